import type { Clock } from '../core/clock.js';
import { isVigilError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { encodeInput } from '../core/schema-check.js';
import type { Store } from '../store/store.js';
import { firstSlotAfter } from './schedule-plan.js';
import type { WorkflowRegistry } from './workflow-registry.js';

export interface SyncDeps {
  store: Store;
  registry: WorkflowRegistry;
  clock: Clock;
  logger: Logger;
  maxPayloadBytes: number;
}

/**
 * Makes the stored declared schedules match the workflows registered here: each workflow (its
 * latest version) that declares `schedule` has the schedule with its name as id; one that does
 * not has none. An unchanged declaration keeps its next slot and pause (every process syncs on
 * start, and a restart must not move or unpause anything); a changed cron, time zone or jitter
 * starts over from now. Workflows this process does not know are not touched.
 *
 * A declaration whose input the workflow refuses is logged and left out; a store that does not
 * answer throws, so the caller can try again. Returns the ids of the declared schedules in force.
 */
export async function syncDeclaredSchedules(deps: SyncDeps): Promise<string[]> {
  const { store, registry, clock, logger } = deps;
  const synced: string[] = [];
  for (const workflow of registry.latestVersions()) {
    const declared = workflow.schedule;
    if (!declared) {
      const stored = await store.schedules.get(workflow.name);
      if (stored?.origin === 'workflow' && (await store.schedules.remove(workflow.name, 'workflow'))) {
        logger.info('removed the schedule the workflow no longer declares', { scheduleId: workflow.name });
      }
      continue;
    }
    let input: string;
    try {
      input = encodeInput(workflow.input, declared.input, {
        subject: `Workflow ${workflow.name}: scheduleInput`,
        root: 'scheduleInput',
        what: `Workflow ${workflow.name}: scheduleInput does not fit its input`,
        maxBytes: deps.maxPayloadBytes,
      }).text;
    } catch (error) {
      if (!isVigilError(error)) throw error;
      logger.error('a declared schedule was not synced: its input does not fit the workflow', {
        scheduleId: workflow.name,
        error: error.message,
      });
      continue;
    }
    const now = clock.now();
    const { schedule, changed } = await store.schedules.upsertDeclared({
      id: workflow.name,
      workflow: workflow.name,
      spec: declared.spec,
      input,
      origin: 'workflow',
      ...firstSlotAfter(workflow.name, declared.spec, now),
      now,
    });
    if (schedule.origin === 'workflow') synced.push(schedule.id);
    if (schedule.origin === 'api') {
      logger.warn('a schedule added through the API has the id of a workflow that declares one; it is left as it is', {
        scheduleId: schedule.id,
      });
    } else if (changed) {
      logger.info('declared schedule synced', {
        scheduleId: schedule.id,
        cron: schedule.spec.cron,
        timezone: schedule.spec.timezone,
        nextSlotAt: schedule.nextSlotAt === null ? null : new Date(schedule.nextSlotAt).toISOString(),
      });
    }
  }
  return synced;
}
