import type { ContentfulStatusCode } from 'hono/utils/http-status';

import { isVigilError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export interface ErrorBody {
  error: { code: string; message: string; path: string | null };
}

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_argument: 400,
  not_serializable: 400,
  input_invalid: 422,
  idempotency_conflict: 409,
  run_finished: 409,
  payload_too_large: 413,
};

/**
 * The one map from errors to HTTP responses. Vigil's typed errors keep their code and message;
 * anything else is a 500 whose details go to the log, not to the caller.
 */
export function toErrorResponse(error: unknown, logger: Logger): { status: ContentfulStatusCode; body: ErrorBody } {
  if (isVigilError(error)) {
    const status = STATUS_BY_CODE[error.code] ?? (error.code.endsWith('_not_found') ? 404 : undefined);
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
