import { InvalidArgumentError } from '../core/errors.js';
import { canonicalKeyOrder, scalarJson, type JsonValue } from '../core/json.js';

/** What a redacted value becomes in the audit trail. */
export const REDACTED = '[redacted]';

/**
 * Keys whose values never reach the audit trail by default: secrets, and personal data that
 * identifies or contacts a person. Compared after lower-casing and dropping `_`, `-` and other
 * separators, so `api_key`, `apiKey` and `API-KEY` are one name. Identifiers a reviewer needs to
 * answer "who touched patient X" (`patientId`, `userId`, `runId`) are deliberately not here.
 */
export const DEFAULT_REDACTED_KEYS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'apikey',
  'privatekey',
  'authorization',
  'cookie',
  'setcookie',
  'ssn',
  'socialsecuritynumber',
  'dateofbirth',
  'dob',
  'birthdate',
  'email',
  'emailaddress',
  'phone',
  'phonenumber',
  'mobile',
  'creditcard',
  'cardnumber',
  'cvv',
  'iban',
];

/** Keys ending in these are secrets too: `dbPassword`, `githubToken`, `stripeApiKey`, `webhookSecret`. */
const SECRET_SUFFIXES = ['password', 'secret', 'token', 'apikey'];

export interface RedactionOptions {
  /** More keys to redact: a name (compared like the defaults) or a pattern tested on the key as written. */
  redact?: ReadonlyArray<string | RegExp>;
  /**
   * Paths to redact in one entry type: `<type>.<key>.<key>…`, e.g. `policy.decided.args.notes`;
   * `*` matches any key. Arrays are passed through (a path reaches into every item).
   */
  redactPaths?: readonly string[];
}

/** Compiled redaction rules; build once with {@link redactionRules}. */
export interface RedactionRules {
  readonly keys: ReadonlySet<string>;
  readonly patterns: readonly RegExp[];
  readonly paths: ReadonlyArray<readonly string[]>;
}

const normalize = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The defaults plus `options`. Bad rules are an `InvalidArgumentError` naming the option. */
export function redactionRules(options: RedactionOptions = {}): RedactionRules {
  const keys = new Set(DEFAULT_REDACTED_KEYS);
  const patterns: RegExp[] = [];
  for (const [i, rule] of (options.redact ?? []).entries()) {
    if (rule instanceof RegExp) patterns.push(rule);
    else if (typeof rule === 'string' && normalize(rule).length > 0) keys.add(normalize(rule));
    else throw new InvalidArgumentError('audit.redact takes key names and RegExps', { path: `audit.redact.${i}` });
  }
  const paths = (options.redactPaths ?? []).map((path, i) => {
    const segments = typeof path === 'string' ? path.split('.') : [];
    if (segments.length < 2 || segments.some((s) => s.length === 0)) {
      throw new InvalidArgumentError(`audit.redactPaths: ${JSON.stringify(path)} is not <type>.<key>…`, {
        path: `audit.redactPaths.${i}`,
      });
    }
    return segments;
  });
  return { keys, patterns, paths };
}

/**
 * Each rule set's verdicts on the keys it has seen: every audited event (ten per ten-step run)
 * asks about the same few keys. Bounded, since tool arguments can bring keys without end.
 */
const verdicts = new WeakMap<RedactionRules, Map<string, boolean>>();
const MAX_CACHED_KEYS = 10_000;

function verdictsOf(rules: RedactionRules): Map<string, boolean> {
  let cache = verdicts.get(rules);
  if (!cache) verdicts.set(rules, (cache = new Map<string, boolean>()));
  return cache;
}

function isRedactedKey(key: string, rules: RedactionRules, cache = verdictsOf(rules)): boolean {
  let verdict = cache.get(key);
  if (verdict === undefined) {
    verdict = decideKey(key, rules);
    if (cache.size < MAX_CACHED_KEYS) cache.set(key, verdict);
  }
  return verdict;
}

function decideKey(key: string, rules: RedactionRules): boolean {
  const name = normalize(key);
  if (rules.keys.has(name) || SECRET_SUFFIXES.some((suffix) => name.endsWith(suffix))) return true;
  return rules.patterns.some((pattern) => {
    pattern.lastIndex = 0;
    return pattern.test(key);
  });
}

/**
 * The details of an audit entry of `type`, as JSON with secrets and personal data replaced by
 * `"[redacted]"`, before the entry is hashed and stored (a value hashed in clear could not be
 * removed later without breaking the chain). Anything JSON cannot hold is made to fit rather than
 * refused, since an event must never fail to be recorded: undefined and functions are dropped
 * (null in arrays), bigints become strings, dates ISO strings, errors their name and message,
 * non-finite numbers null, and a value that contains itself `"[circular]"`.
 */
export function redactForAudit(type: string, value: unknown, rules: RedactionRules): JsonValue {
  return toJson(value, rules, rules.paths.length === 0 ? [] : pathsOfType(type, rules), new Set()) ?? null;
}

/** A flat object's details redacted, with their canonical JSON text: see {@link redactFlatForAudit}. */
export interface RedactedFlat {
  data: { [key: string]: string | number | boolean | null };
  /** `canonicalJson(data)`: what the store hashes and keeps. */
  text: string;
}

/**
 * {@link redactForAudit} of a flat object without its `omit` keys, and the canonical JSON text of
 * the result, in one walk: most audit entries are flat (strings, numbers, booleans and nulls, and
 * anything under a redacted key), and the store then hashes and keeps the text without encoding
 * the details again. Undefined for anything else (a nested value, path rules for `type`, keys
 * `canonicalJson` leaves to `JSON.stringify`), which takes {@link redactForAudit}: the details
 * and their text are the same either way.
 */
export function redactFlatForAudit(
  type: string,
  value: object,
  rules: RedactionRules,
  omit: ReadonlySet<string>,
): RedactedFlat | undefined {
  if (Object.getPrototypeOf(value) !== Object.prototype || 'toJSON' in value) return undefined;
  if (rules.paths.length > 0 && pathsOfType(type, rules).length > 0) return undefined;
  const order = canonicalKeyOrder(value);
  if (!order) return undefined;
  const source = value as Record<string, unknown>;
  // The copy in the object's own key order, as toJson makes it.
  const data: RedactedFlat['data'] = {};
  const cache = verdictsOf(rules);
  for (const key of order.own) {
    const item = source[key];
    if (item === undefined || omit.has(key)) continue;
    if (isRedactedKey(key, rules, cache)) data[key] = REDACTED;
    else if (item === null || typeof item === 'string' || typeof item === 'boolean') data[key] = item;
    else if (typeof item === 'number') data[key] = Number.isFinite(item) ? item : null;
    else return undefined;
  }
  let text = '';
  for (let i = 0; i < order.keys.length; i++) {
    const key = order.keys[i]!;
    if (!Object.hasOwn(data, key)) continue;
    text += `${text === '' ? '{' : ','}${order.prefixes[i]!}${scalarJson(data[key]!)}`;
  }
  return { data, text: text === '' ? '{}' : `${text}}` };
}

/** The path rules of entries of `type`, without their type segments. */
function pathsOfType(type: string, rules: RedactionRules): Array<readonly string[]> {
  const typeSegments = type.split('.');
  return rules.paths
    .filter((path) => path.length > typeSegments.length && typeSegments.every((s, i) => path[i] === s))
    .map((path) => path.slice(typeSegments.length));
}

function toJson(
  value: unknown,
  rules: RedactionRules,
  paths: ReadonlyArray<readonly string[]>,
  ancestors: Set<object>,
): JsonValue | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return undefined;
  }
  const object = value;
  if (ancestors.has(object)) return '[circular]';
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (object instanceof Error) return { name: object.name, message: object.message };
  const withToJson = object as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') {
    return toJson((withToJson.toJSON as () => unknown).call(object), rules, paths, ancestors);
  }
  ancestors.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => toJson(item, rules, paths, ancestors) ?? null);
    const result: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(object)) {
      // Most entries have no path rules: no arrays to make per key.
      const below = paths.length === 0 ? paths : paths.filter((path) => path[0] === key || path[0] === '*');
      if (below.some((path) => path.length === 1) || isRedactedKey(key, rules)) {
        if (item !== undefined) result[key] = REDACTED;
        continue;
      }
      const json = toJson(item, rules, below.length === 0 ? below : below.map((path) => path.slice(1)), ancestors);
      if (json !== undefined) result[key] = json;
    }
    return result;
  } finally {
    ancestors.delete(object);
  }
}
