import type { ApiClient } from '../api/client';
import { ApiError } from '../api/client';

export interface BulkResult {
  done: number;
  failed: Array<{ id: string; message: string }>;
}

/**
 * Cancels or replays runs one by one through the single-run routes (there is no bulk route):
 * each answer counts on its own, so one refused run (a finished run cannot be cancelled) does
 * not stop the others.
 */
export async function forEachRun(
  api: ApiClient,
  ids: readonly string[],
  action: 'cancel' | 'replay',
): Promise<BulkResult> {
  const result: BulkResult = { done: 0, failed: [] };
  for (const id of ids) {
    try {
      await api.post(`/v1/runs/${encodeURIComponent(id)}/${action}`, action === 'replay' ? {} : undefined);
      result.done += 1;
    } catch (error) {
      const message =
        error instanceof ApiError && error.unavailable
          ? `${action} is not available on this server yet`
          : error instanceof Error
            ? error.message
            : String(error);
      result.failed.push({ id, message });
    }
  }
  return result;
}
