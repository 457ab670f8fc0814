import type { z } from 'zod';

import { ValidationError } from './errors.js';

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
