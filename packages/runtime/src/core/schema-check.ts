import type { z } from 'zod';

import { ValidationError } from './errors.js';
import { encodeJson } from './json.js';

/**
 * Parses `value` with `schema`, or throws a `ValidationError` with `code` naming the first bad
 * field as `<root>.<path>` (and every issue in `details.issues`).
 *
 * @example
 * checkSchema(tool.output, result, 'tool_output_invalid', 'output', 'Tool insurance.check returned an invalid result')
 */
export function checkSchema<T>(schema: z.ZodType<T>, value: unknown, code: string, root: string, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const pathOf = (path: readonly PropertyKey[]): string => [root, ...path.map(String)].join('.');
  const issue = parsed.error.issues[0]!;
  const path = pathOf(issue.path);
  throw new ValidationError(code, `${what}: ${path}: ${issue.message}`, {
    path,
    details: { issues: parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })) },
  });
}

/**
 * A run input (or a schedule's input for one) as it is stored: checked JSON text within
 * `maxBytes`, then parsed by the workflow's `schema` — or the error that says what is wrong.
 * Returns the text and the parsed value; nothing else needs to parse the text again.
 */
export function encodeInput<T>(
  schema: z.ZodType<T>,
  value: unknown,
  options: { subject: string; root: string; what: string; maxBytes: number },
): { text: string; json: unknown; parsed: T } {
  const text = encodeJson(value, options.subject, options.maxBytes);
  const json: unknown = JSON.parse(text);
  return { text, json, parsed: checkSchema(schema, json, 'input_invalid', options.root, options.what) };
}
