import { randomBytes } from 'node:crypto';

import type { Clock } from '../core/clock.js';
import { ConflictError, InvalidArgumentError, NotFoundError, isVigilError } from '../core/errors.js';
import { validateSchedule, type ScheduleOptions, type ScheduleSpec } from '../core/schedule-spec.js';
import { encodeInput } from '../core/schema-check.js';
import { schedulePrincipal } from '../governance/principal.js';
import type { ScheduleRecord } from '../store/schedule-store.js';
import type { Store } from '../store/store.js';
import type { StartResult, VigilClient } from './client.js';
import { pageLimit } from './escalation-client.js';
import type { RuntimeEventMap, RuntimeEvents } from './events.js';
import { toScheduleView, type ScheduleView } from './operator-views.js';
import { firstSlotAfter } from './schedule-plan.js';
import type { WorkflowRegistry } from './workflow-registry.js';

export interface CreateSchedule extends ScheduleOptions {
  /** 1–128 letters, digits, `.`, `_`, `-`, `:`, starting with a letter or digit. Default: generated. */
  id?: string;
  /** The workflow it starts (its latest version at each slot). */
  workflow: string;
  /** The input of each run, checked against the workflow's input schema now. Default `{}`. */
  input?: unknown;
}

export interface ListSchedulesOptions {
  workflow?: string;
  limit?: number;
  cursor?: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CURSOR = /^(\d+):(.+)$/;

/** Cron schedules: add, list, pause, resume, remove, and run one now. */
export class ScheduleClient {
  constructor(
    private readonly deps: {
      store: Store;
      registry: WorkflowRegistry;
      clock: Clock;
      runs: VigilClient;
      events: RuntimeEvents;
      maxPayloadBytes: number;
    },
  ) {}

  /** Newest first. */
  async list(options: ListSchedulesOptions = {}): Promise<{ schedules: ScheduleView[]; nextCursor: string | null }> {
    const limit = pageLimit(options.limit);
    const rows = await this.deps.store.schedules.list({
      ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
      ...(options.cursor === undefined ? {} : { before: parseCursor(options.cursor) }),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      schedules: page.map(toScheduleView),
      nextCursor: rows.length > limit && last ? `${last.createdAt}:${last.id}` : null,
    };
  }

  /** @throws NotFoundError `schedule_not_found` */
  async get(id: string): Promise<ScheduleView> {
    return toScheduleView(await this.record(id));
  }

  /**
   * Adds a schedule. Its first slot is the first after now.
   *
   * @throws InvalidArgumentError naming the field (a bad cron expression, time zone, option or id);
   *   NotFoundError `workflow_not_found`; ValidationError `input_invalid` when the workflow refuses
   *   the input; ConflictError `schedule_exists` when the id is taken.
   * @example
   * await vigil.schedules.create({ id: 'recon.hourly', workflow: 'reconcile', cron: '0 * * * *', jitter: '2m' });
   */
  async create(request: CreateSchedule, principal: string | null = null): Promise<ScheduleView> {
    const { id } = request;
    if (id !== undefined && (typeof id !== 'string' || !ID.test(id))) {
      throw new InvalidArgumentError(
        `Schedule id ${JSON.stringify(id)} is invalid: use 1–128 letters, digits, '.', '_', '-' or ':', starting with a letter or digit`,
        { path: 'id' },
      );
    }
    const workflow = this.deps.registry.latest(request.workflow);
    const spec = validateFields(request);
    const input = encodeInput(workflow.input, request.input ?? {}, {
      subject: 'The schedule input',
      root: 'input',
      what: `Invalid input for ${workflow.name}`,
      maxBytes: this.deps.maxPayloadBytes,
    }).text;
    const now = this.deps.clock.now();
    const scheduleId = id ?? `${workflow.name.slice(0, 119)}:${randomBytes(4).toString('hex')}`;
    const record = await this.deps.store.schedules.create({
      id: scheduleId,
      workflow: workflow.name,
      spec,
      input,
      origin: 'api',
      ...firstSlotAfter(scheduleId, spec, now),
      now,
    });
    this.changed(record.id, 'added', principal);
    return toScheduleView(record);
  }

  /** Stops firing it until resumed. Pausing a paused schedule changes nothing. */
  async pause(id: string, principal: string | null = null): Promise<ScheduleView> {
    const record = await this.deps.store.schedules.pause(id, this.deps.clock.now());
    if (!record) throw notFound(id);
    this.changed(id, 'paused', principal);
    return toScheduleView(record);
  }

  /** Fires it again from the first slot after now: the slots of the pause are not caught up. */
  async resume(id: string, principal: string | null = null): Promise<ScheduleView> {
    const { spec } = await this.record(id);
    const now = this.deps.clock.now();
    const record = await this.deps.store.schedules.resume(id, firstSlotAfter(id, spec, now), now);
    if (!record) throw notFound(id);
    this.changed(id, 'resumed', principal);
    return toScheduleView(record);
  }

  /**
   * Removes a schedule added through the API; slots not fired yet never fire.
   *
   * @throws ConflictError `schedule_declared` for a schedule declared by a workflow;
   *   NotFoundError `schedule_not_found`.
   */
  async remove(id: string, principal: string | null = null): Promise<ScheduleView> {
    const record = await this.record(id);
    if (record.origin === 'workflow') {
      throw new ConflictError(
        'schedule_declared',
        `Schedule ${id} is declared by the workflow ${record.workflow}: remove \`schedule\` from its definition ` +
          'to remove it (pause it to stop it meanwhile)',
        { path: 'id' },
      );
    }
    if (!(await this.deps.store.schedules.remove(id, 'api'))) throw notFound(id);
    this.changed(id, 'removed', principal);
    return toScheduleView(record);
  }

  /**
   * Starts a run of the schedule's workflow with its input now, keyed `schedule:<id>:manual:<now
   * ISO>`. It is not a slot: the schedule's next slot and last run stay as they are. The run's
   * principal is whoever triggered it, else the schedule.
   */
  async trigger(id: string, principal?: string | null): Promise<StartResult> {
    const schedule = await this.record(id);
    const now = new Date(this.deps.clock.now()).toISOString();
    const run = await this.deps.runs.start(schedule.workflow, JSON.parse(schedule.input) as unknown, {
      idempotencyKey: `schedule:${id}:manual:${now}`,
      principal: principal ?? schedulePrincipal(id),
    });
    if (run.created) this.changed(id, 'triggered', principal ?? null);
    return run;
  }

  private changed(
    scheduleId: string,
    action: RuntimeEventMap['schedule.changed']['action'],
    principal: string | null,
  ): void {
    this.deps.events.emit('schedule.changed', { scheduleId, action, principal });
  }

  private async record(id: string): Promise<ScheduleRecord> {
    const record = await this.deps.store.schedules.get(id);
    if (!record) throw notFound(id);
    return record;
  }
}

/**
 * `validateSchedule` with the fields named as the request names them (`cron`, not
 * `schedule.cron`): its messages say what is wrong, e.g. `cron: "61 * * * *" is not a valid cron
 * expression: … minute: 61`.
 */
function validateFields(request: CreateSchedule): ScheduleSpec {
  try {
    return validateSchedule(request, 'schedule');
  } catch (error) {
    if (!isVigilError(error) || error.code !== 'invalid_argument') throw error;
    const path = error.path?.replace(/^schedule\./, '');
    throw new InvalidArgumentError(error.message.replace(/^schedule\./, ''), path === undefined ? {} : { path });
  }
}

function parseCursor(cursor: string): { createdAt: number; id: string } {
  const match = CURSOR.exec(cursor);
  if (!match || !ID.test(match[2]!)) {
    throw new InvalidArgumentError('cursor is not one this API returned', { path: 'cursor' });
  }
  return { createdAt: Number(match[1]), id: match[2]! };
}

function notFound(id: string): NotFoundError {
  return new NotFoundError('schedule_not_found', `No schedule with id ${JSON.stringify(id)}`, { path: 'id' });
}
