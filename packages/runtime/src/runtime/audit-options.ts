import { dirname, join } from 'node:path';

import { parseDuration, type Duration } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import { redactionRules, type RedactionOptions, type RedactionRules } from '../governance/audit-redaction.js';

/** How a Vigil records its audit trail (`VigilOptions.audit`). */
export interface AuditOptions extends RedactionOptions {
  /**
   * The key that signs the trail's head (at least 16 characters), kept outside the database so
   * that cutting entries off the end is detectable. Default `VIGIL_AUDIT_KEY`. Without one no
   * head is written, and truncation cannot be detected.
   */
  signingKey?: string;
  /**
   * Where the signed head is written. Default `VIGIL_AUDIT_HEAD_FILE`, else `audit-head.json`
   * beside the SQLite file (`.vigil/audit-head.json` for the default store, and for PostgreSQL).
   */
  headFile?: string;
  /** How often the signed head is written (and once more on close). Default `'60s'`. */
  headInterval?: Duration;
  /** How long an event waits to be appended with the ones after it. Default `'20ms'`. */
  flushInterval?: Duration;
  /** The most entries appended in one transaction. Default 500. */
  maxBatch?: number;
}

/** {@link AuditOptions} resolved against the environment and the store's location. */
export interface AuditSettings {
  rules: RedactionRules;
  signingKey: string | null;
  headFile: string;
  headIntervalMs: number;
  flushMs: number;
  maxBatch: number;
}

/** The folder of the audit files by default: beside the SQLite file, else `.vigil`. */
export function defaultAuditDir(sqliteFile: string | null): string {
  return sqliteFile === null ? '.vigil' : dirname(sqliteFile);
}

/** Where `vigil dev` keeps the audit key it generates. */
export function defaultAuditKeyFile(sqliteFile: string | null): string {
  return join(defaultAuditDir(sqliteFile), 'audit-key');
}

export function defaultAuditHeadFile(sqliteFile: string | null): string {
  return join(defaultAuditDir(sqliteFile), 'audit-head.json');
}

/** Throws `InvalidArgumentError` naming `what` unless `key` can sign a head. */
export function checkAuditKey(key: string, what: string): string {
  if (key.length < 16) throw new InvalidArgumentError(`${what} must be at least 16 characters long`, { path: what });
  return key;
}

export function resolveAuditSettings(
  options: AuditOptions,
  sqliteFile: string | null,
  env: NodeJS.ProcessEnv = process.env,
): AuditSettings {
  const envKey = env['VIGIL_AUDIT_KEY'];
  const signingKey =
    options.signingKey !== undefined
      ? checkAuditKey(options.signingKey, 'audit.signingKey')
      : envKey
        ? checkAuditKey(envKey.trim(), 'VIGIL_AUDIT_KEY')
        : null;
  const maxBatch = options.maxBatch ?? 500;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
    throw new InvalidArgumentError(`audit.maxBatch must be a positive integer; got ${maxBatch}`, {
      path: 'audit.maxBatch',
    });
  }
  const headIntervalMs = parseDuration(options.headInterval ?? '60s', 'audit.headInterval');
  if (headIntervalMs < 1)
    throw new InvalidArgumentError('audit.headInterval must be positive', { path: 'audit.headInterval' });
  return {
    rules: redactionRules(options),
    signingKey,
    headFile: options.headFile ?? (env['VIGIL_AUDIT_HEAD_FILE'] || defaultAuditHeadFile(sqliteFile)),
    headIntervalMs,
    flushMs: parseDuration(options.flushInterval ?? '20ms', 'audit.flushInterval'),
    maxBatch,
  };
}
