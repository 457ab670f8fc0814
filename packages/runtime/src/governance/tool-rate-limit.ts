/**
 * Which token bucket a tool call takes from, and its shape: pure, so every worker names the
 * same bucket for the same call. The bucket itself lives in the store (`store.rateLimits`).
 */
import type { BucketShape } from '../core/resilience/token-bucket.js';
import { inputPath, type ToolRateLimit } from '../core/tool-access-policy.js';
import { sha256 } from '../core/checksum.js';
import { canonicalJson } from '../core/json.js';
import { valueAt } from './tool-policy.js';

/** Where the call happens: what the scope of a limit picks its bucket by. */
export interface RateLimitSite {
  tool: string;
  workflow: string;
  runId: string;
  input: unknown;
}

/**
 * The bucket key: the tool and the scope's value, e.g. `pharmacy.order|global`,
 * `pharmacy.order|workflow:patient.discharge`, `pharmacy.order|run:<id>`,
 * `pharmacy.order|$input.patientId:"P-1"` (an input field missing from the input is `null`; a value
 * longer than 128 characters is named by its SHA-256).
 */
export function rateLimitKey(limit: ToolRateLimit, site: RateLimitSite): string {
  const { scope } = limit;
  if (scope === 'global') return `${site.tool}|global`;
  if (scope === 'workflow') return `${site.tool}|workflow:${site.workflow}`;
  if (scope === 'run') return `${site.tool}|run:${site.runId}`;
  const value = canonicalJson(valueAt(site.input, inputPath(scope)!) ?? null);
  // A long value (a whole document) is named by its hash, so keys stay short enough to index.
  return `${site.tool}|${scope}:${value.length > 128 ? `sha256:${sha256(value)}` : value}`;
}

/** `limit` calls per period: a burst of up to `limit`, refilled evenly over the period. */
export function bucketShape(limit: ToolRateLimit): BucketShape {
  return { capacity: limit.limit, refillPerMs: limit.limit / limit.periodMs };
}
