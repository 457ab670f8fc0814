import { InvalidArgumentError } from './errors.js';
import { canonicalJson, type JsonValue } from './json.js';

/**
 * Which events a trigger or a wait accepts: each key is a field of the payload (a dotted path
 * such as `patient.id` reaches into objects) and each value must equal the payload's value
 * there exactly (deep equality for objects and arrays; no type coercion). An empty or missing
 * match accepts every event of the name.
 *
 * @example
 * eventMatches({ patientId: 'P-1', 'order.kind': 'discharge' }, { patientId: 'P-1', order: { kind: 'discharge' } }) // true
 */
export type EventMatch = Readonly<Record<string, JsonValue>>;

export function eventMatches(match: EventMatch | null | undefined, payload: unknown): boolean {
  if (!match) return true;
  for (const [path, expected] of Object.entries(match)) {
    const actual = valueAt(payload, path);
    // A missing field matches nothing, not even null.
    if (actual === undefined || canonicalJson(actual) !== canonicalJson(expected)) return false;
  }
  return true;
}

function valueAt(payload: unknown, path: string): unknown {
  let value = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/** Checks an event name: 1–200 letters, digits, `.`, `_`, `-`, `:`, `/`, starting with a letter or digit. */
export function validateEventName(name: unknown, what = 'event name'): string {
  if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
    throw new InvalidArgumentError(
      `${what} ${JSON.stringify(name)} is invalid: use 1–200 letters, digits, '.', '_', '-', ':' or '/'`,
      { path: 'name' },
    );
  }
  return name;
}

/** Checks a match object where it is written (a workflow's `on`, a `waitForEvent`). */
export function validateEventMatch(match: unknown, what: string): EventMatch | null {
  if (match === undefined || match === null) return null;
  if (typeof match !== 'object' || Array.isArray(match)) {
    throw new InvalidArgumentError(`${what}: match must be an object of payload fields and their values`);
  }
  for (const key of Object.keys(match)) {
    if (key.length === 0 || key.split('.').some((part) => part.length === 0)) {
      throw new InvalidArgumentError(`${what}: match key ${JSON.stringify(key)} is not a field path`);
    }
  }
  // Values must be JSON: they are compared with stored payloads and stored themselves.
  JSON.parse(canonicalJson(match));
  return match as EventMatch;
}
