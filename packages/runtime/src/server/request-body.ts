import type { Context } from 'hono';
import type { z } from 'zod';

import { PayloadTooLargeError, ValidationError } from '../core/errors.js';

/**
 * Reads the request body as JSON (whatever the content type says, so `curl -d` works) and
 * checks it against `schema`. Errors name the offending field; nothing has been written yet.
 */
export async function readJsonBody<T>(c: Context, schema: z.ZodType<T>, maxBytes: number): Promise<T> {
  const text = await c.req.text();
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new PayloadTooLargeError(`The request body is over the limit of ${maxBytes} bytes`);
  }
  let body: unknown;
  try {
    body = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
  } catch (error) {
    throw new ValidationError('invalid_json', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  return parseWith(schema, body, 'invalid_request');
}

/** Checks `value` against `schema`, turning the first issue into a `ValidationError` with its path. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, code: string, prefix?: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)].join('.');
  throw new ValidationError(code, path ? `${path}: ${issue.message}` : issue.message, path ? { path } : {});
}
