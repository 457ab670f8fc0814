import { describe, expect, it } from 'vitest';

import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
  VigilError,
} from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { toErrorResponse } from './error-response.js';

const statusOf = (error: unknown) => toErrorResponse(error, silentLogger).status;

describe('toErrorResponse', () => {
  it('maps each kind of error to its status, including codes it has never seen', () => {
    expect(statusOf(new NotFoundError('gizmo_not_found', 'no gizmo'))).toBe(404);
    expect(statusOf(new ConflictError('escalation_not_open', 'already resolved'))).toBe(409);
    expect(statusOf(new ConflictError('gizmo_busy', 'busy'))).toBe(409);
    expect(statusOf(new ValidationError('gizmo_malformed', 'bad'))).toBe(400);
    expect(statusOf(new InvalidArgumentError('bad'))).toBe(400);
    expect(statusOf(new ValidationError('input_invalid', 'bad input'))).toBe(422);
    expect(statusOf(new PayloadTooLargeError('big'))).toBe(413);
  });

  it('keeps the code, message and path, and hides anything unexpected behind a 500', () => {
    expect(toErrorResponse(new ConflictError('dead_letter_replayed', 'replayed already'), silentLogger)).toEqual({
      status: 409,
      body: { error: { code: 'dead_letter_replayed', message: 'replayed already', path: null } },
    });
    expect(
      toErrorResponse(new NotFoundError('step_not_found', 'no step', { path: 'fromStep' }), silentLogger).body,
    ).toEqual({ error: { code: 'step_not_found', message: 'no step', path: 'fromStep' } });
    for (const error of [new Error('secret detail'), new VigilError('lease_lost', 'internal'), 'thrown string']) {
      const { status, body } = toErrorResponse(error, silentLogger);
      expect(status).toBe(500);
      expect(body.error.code).toBe('internal_error');
      expect(body.error.message).not.toContain('secret');
    }
  });
});
