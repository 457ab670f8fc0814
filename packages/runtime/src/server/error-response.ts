import type { ContentfulStatusCode } from 'hono/utils/http-status';

import { ConflictError, isVigilError, NotFoundError, ValidationError, type VigilError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export interface ErrorBody {
  error: { code: string; message: string; path: string | null };
}

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_argument: 400,
  not_serializable: 400,
  // A signed audit head file that cannot be read or is not one (vigil audit verify --head).
  audit_head_invalid: 400,
  // A webhook delivery that is not its source's; the code says why, never which secret exists.
  webhook_signature_missing: 401,
  webhook_timestamp_invalid: 401,
  webhook_timestamp_stale: 401,
  webhook_signature_invalid: 401,
  // API keys (server/auth.ts): who is calling, then whether their role may.
  api_key_missing: 401,
  api_key_malformed: 401,
  api_key_invalid: 401,
  api_key_revoked: 401,
  api_key_expired: 401,
  permission_denied: 403,
  input_invalid: 422,
  idempotency_conflict: 409,
  run_finished: 409,
  escalation_not_open: 409,
  dead_letter_replayed: 409,
  // The run's stored input failed its checksum: replay it with new input instead.
  input_corrupted: 409,
  // Replaying a run from a step needs it finished, and a step of it to start from.
  run_in_flight: 409,
  from_seq_out_of_range: 400,
  invalid_window: 400,
  // A decision that does not fit the escalation's kind (approve on a failed step, retry on an approval).
  decision_not_applicable: 409,
  policy_denied: 403,
  payload_too_large: 413,
  // A spend limit refused the call: 402 Payment Required says what is missing, and nothing was spent.
  budget_exceeded: 402,
  model_price_unknown: 400,
  // The database did not answer a read the route cannot do without (a /metrics scrape's gauges).
  store_unavailable: 503,
};

/**
 * The status of a Vigil error: its code's entry above, else what its kind says, so a new code
 * thrown as a `NotFoundError`, `ConflictError` or `ValidationError` never falls through to 500.
 */
function statusOf(error: VigilError): ContentfulStatusCode | undefined {
  const listed = STATUS_BY_CODE[error.code];
  if (listed !== undefined) return listed;
  if (NotFoundError.is(error)) return 404;
  if (ConflictError.is(error)) return 409;
  if (ValidationError.is(error)) return 400;
  return undefined;
}

/**
 * The one map from errors to HTTP responses. Vigil's typed errors keep their code and message;
 * anything else is a 500 whose details go to the log, not to the caller.
 */
export function toErrorResponse(error: unknown, logger: Logger): { status: ContentfulStatusCode; body: ErrorBody } {
  if (isVigilError(error)) {
    const status = statusOf(error);
    if (status !== undefined) {
      return { status, body: { error: { code: error.code, message: error.message, path: error.path ?? null } } };
    }
  }
  logger.error('request failed', {
    error: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
  });
  return {
    status: 500,
    body: {
      error: {
        code: 'internal_error',
        message: 'The server hit an unexpected error; it is in the server log',
        path: null,
      },
    },
  };
}
