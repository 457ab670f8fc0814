import { PayloadTooLargeError, VigilError } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Default ceiling for one step result or run output, as UTF-8 bytes of its JSON text. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;

/** A value cannot be stored as JSON without changing its meaning. Retrying cannot fix it. */
export class NotSerializableError extends VigilError {
  constructor(message: string, path: string) {
    super('not_serializable', message, { retryable: false, path });
  }
}

/**
 * Encodes `value` as JSON text for storage, refusing anything that would not come back as the
 * same value on replay: functions, symbols, bigints, non-finite numbers, Dates, Maps, Sets,
 * class instances and cycles. `undefined` at the top level is stored as `null`; `undefined`
 * object properties are dropped, as JSON does.
 *
 * @param subject names the value in error messages, e.g. `step "fetch-record" result`.
 * @throws NotSerializableError naming the path of the first bad value.
 * @throws PayloadTooLargeError when the text is over `maxBytes`.
 */
export function encodeJson(value: unknown, subject: string, maxBytes = DEFAULT_MAX_PAYLOAD_BYTES): string {
  assertJsonCompatible(value, subject, '$', new Set());
  const text = JSON.stringify(value ?? null);
  // A string's UTF-8 length is at most 3 bytes per UTF-16 unit, so most payloads skip the exact count.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes) {
      throw new PayloadTooLargeError(`${subject} is ${bytes} bytes of JSON, over the limit of ${maxBytes} bytes`, {
        details: { bytes, maxBytes },
      });
    }
  }
  return text;
}

function assertJsonCompatible(value: unknown, subject: string, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(subject, path, `the number ${value}, which JSON cannot represent`);
      return;
    case 'bigint':
      fail(subject, path, 'a bigint (convert it to a string or a number)');
      return;
    case 'function':
    case 'symbol':
      fail(subject, path, `a ${typeof value}`);
      return;
  }
  if (value === null) return;
  const object = value as object;
  if (seen.has(object)) fail(subject, path, 'a circular reference');
  if (Array.isArray(object)) {
    seen.add(object);
    object.forEach((item, index) => assertJsonCompatible(item, subject, `${path}[${index}]`, seen));
    seen.delete(object);
    return;
  }
  const proto = Object.getPrototypeOf(object) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const kind = object instanceof Date ? 'a Date (store date.toISOString() instead)' : describeInstance(object);
    fail(subject, path, kind);
  }
  seen.add(object);
  for (const [key, item] of Object.entries(object)) {
    assertJsonCompatible(item, subject, `${path}.${key}`, seen);
  }
  seen.delete(object);
}

function describeInstance(object: object): string {
  const name = (object.constructor as { name?: string } | undefined)?.name;
  return `an instance of ${name || 'a class'} (only plain objects, arrays and primitives are stored)`;
}

function fail(subject: string, path: string, what: string): never {
  throw new NotSerializableError(`${subject} is not JSON-serialisable: ${path} is ${what}`, path);
}

/**
 * JSON with object keys sorted, so equal values give equal text whatever their key order.
 * Used to compare inputs (idempotency) and to hash them.
 */
export function canonicalJson(value: unknown): string {
  // Plain JSON (what audit entries, inputs and payloads almost always are) is encoded directly;
  // anything else (`toJSON`, class instances, bigints, cycles…) by JSON.stringify with a sorting
  // replacer, which gives the same text for plain JSON but costs several times as much.
  return encodePlain(value ?? null, 0) ?? sortedStringify(value);
}

/** Deeper than this, `encodePlain` leaves the value to `sortedStringify` (which reports cycles). */
const MAX_PLAIN_DEPTH = 64;

/** Characters JSON.stringify escapes in a string (lone surrogates too; pairs go to it as well). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * How objects of one shape (their own keys, in order) are written: the keys sorted and each
 * one's `"key":` text; `plain: false` leaves such objects to `sortedStringify`. Cached by the
 * keys joined, and used only when the keys really match (a key may contain the separator).
 * Bounded: inputs can bring shapes without end, and past the bound a shape is worked out each time.
 */
interface Shape {
  own: readonly string[];
  keys: string[];
  prefixes: string[];
  plain: boolean;
}
const shapes = new Map<string, Shape>();
const MAX_CACHED_SHAPES = 1_000;

function shapeOf(own: string[]): Shape {
  const signature = own.join('\u0000');
  const cached = shapes.get(signature);
  if (cached && cached.own.length === own.length && cached.own.every((key, i) => key === own[i])) return cached;
  const keys = [...own].sort();
  const shape = {
    own,
    keys,
    prefixes: keys.map((key) => `${JSON.stringify(key)}:`),
    // The replacer's copy would set a prototype with `__proto__`, and puts integer keys first in
    // numeric order: objects with such keys are left to it.
    plain: own.every((key) => key !== '__proto__' && !(key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57)),
  };
  if (!cached && shapes.size < MAX_CACHED_SHAPES) shapes.set(signature, shape);
  return shape;
}

/** The order a plain object's keys are written in: see {@link canonicalKeyOrder}. */
export interface KeyOrder {
  /** The object's own keys, as `Object.keys` gives them. */
  readonly own: readonly string[];
  /** The same keys, sorted as {@link canonicalJson} writes them. */
  readonly keys: readonly string[];
  /** Each sorted key's `"key":` text. */
  readonly prefixes: readonly string[];
}

/**
 * The order {@link canonicalJson} writes `value`'s keys in, for code that writes canonical text
 * without building the value first; undefined when it would leave such an object to
 * `JSON.stringify` (a `__proto__` key, integer-like keys), whose text that code must not guess.
 */
export function canonicalKeyOrder(value: object): KeyOrder | undefined {
  const shape = shapeOf(Object.keys(value));
  return shape.plain ? shape : undefined;
}

/** The canonical (and JSON) text of a string, boolean, number or null: a non-finite number is `null`. */
export function scalarJson(value: string | number | boolean | null): string {
  return encodePlain(value, 0) ?? 'null';
}

/** The canonical text of `value` if it is plain JSON, else undefined. */
function encodePlain(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // For a finite number JSON's text is String's.
      return Number.isFinite(value) ? String(value) : undefined;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (depth >= MAX_PLAIN_DEPTH) return undefined;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return undefined;
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      const item = encodePlain(value[i], depth + 1);
      if (item === undefined) return undefined;
      text += i === 0 ? item : `,${item}`;
    }
    return `${text}]`;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return undefined;
  const shape = shapeOf(Object.keys(value));
  if (!shape.plain) return undefined;
  let text = '{';
  for (let i = 0; i < shape.keys.length; i++) {
    const item = (value as Record<string, unknown>)[shape.keys[i]!];
    // JSON leaves these properties out.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    const encoded = encodePlain(item, depth + 1);
    if (encoded === undefined) return undefined;
    text += `${text.length === 1 ? '' : ','}${shape.prefixes[i]!}${encoded}`;
  }
  return `${text}}`;
}

function sortedStringify(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}
