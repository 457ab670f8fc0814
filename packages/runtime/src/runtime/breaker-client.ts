import type { Clock } from '../core/clock.js';
import { NotFoundError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import type { RuntimeEvents } from './events.js';
import { toBreakerView, type BreakerView } from './operator-views.js';

/** The circuit breakers every worker shares: their state, and closing one by hand. */
export class BreakerClient {
  constructor(private readonly deps: { store: Store; clock: Clock; events: RuntimeEvents }) {}

  async list(): Promise<BreakerView[]> {
    return (await this.deps.store.breakers.list()).map(toBreakerView);
  }

  /**
   * Closes a breaker and clears its counters, so calls go through again at once.
   *
   * @throws NotFoundError `breaker_not_found`
   */
  async reset(key: string, principal: string | null = null): Promise<BreakerView> {
    const record = await this.deps.store.breakers.reset(key, this.deps.clock.now());
    if (!record)
      throw new NotFoundError('breaker_not_found', `No breaker with key ${JSON.stringify(key)}`, { path: 'key' });
    this.deps.events.emit('breaker.closed', { key, tool: record.tool });
    this.deps.events.emit('breaker.reset', { key, tool: record.tool, principal });
    return toBreakerView(record);
  }
}
