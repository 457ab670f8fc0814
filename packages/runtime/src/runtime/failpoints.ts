import { InvalidArgumentError } from '../core/errors.js';
import { FAILPOINT_NAMES, type FailpointName, type FailpointSite, type Failpoints } from '../core/failpoints.js';

export type FailpointAction = (site: FailpointSite, name: FailpointName) => void | Promise<void>;

interface Rule {
  action: FailpointAction;
  /** Fire only on this hit (1-based); every hit when undefined. */
  onHit: number | undefined;
  hits: number;
}

/** Failpoints that tests arm, in process or through `VIGIL_FAILPOINTS` in a child process. */
export class ArmedFailpoints implements Failpoints {
  private readonly rules = new Map<FailpointName, Rule[]>();

  get armed(): boolean {
    return this.rules.size > 0;
  }

  /** Runs `action` when `name` is hit (only on the `onHit`-th hit, if given). */
  arm(name: FailpointName, action: FailpointAction, options: { onHit?: number } = {}): this {
    const rules = this.rules.get(name) ?? [];
    rules.push({ action, onHit: options.onHit, hits: 0 });
    this.rules.set(name, rules);
    return this;
  }

  disarm(name?: FailpointName): void {
    if (name) this.rules.delete(name);
    else this.rules.clear();
  }

  async hit(name: FailpointName, site: FailpointSite): Promise<void> {
    for (const rule of this.rules.get(name) ?? []) {
      rule.hits++;
      if (rule.onHit === undefined || rule.hits === rule.onHit) await rule.action(site, name);
    }
  }
}

/** Printed on stderr when a `pause` failpoint fires, so a parent process knows where the child stands. */
export const FAILPOINT_PAUSED_MARKER = 'vigil-failpoint-paused';

const ACTIONS: Record<string, FailpointAction> = {
  /** The process dies on the spot, as in a power cut: nothing after this line runs. */
  kill: () => {
    process.kill(process.pid, 'SIGKILL');
  },
  /** Says where it stopped on stderr, then waits forever: the parent kills it when it likes. */
  pause: (site, name) => {
    process.stderr.write(`${FAILPOINT_PAUSED_MARKER} ${name} ${JSON.stringify(site)}\n`);
    return new Promise<void>(() => undefined);
  },
  throw: (site, name) => {
    throw new Error(`failpoint ${name} fired in run ${site.runId}`);
  },
};

/**
 * Parses `VIGIL_FAILPOINTS`, e.g. `step.after-body=kill@7,worker.after-claim=pause`: a
 * failpoint name, an action (`kill`, `pause`, `throw`) and optionally the hit to fire on.
 */
export function failpointsFromSpec(spec: string): ArmedFailpoints {
  const failpoints = new ArmedFailpoints();
  for (const item of spec
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([a-z.-]+)=([a-z]+)(?:@(\d+))?$/.exec(item);
    const name = match?.[1] as FailpointName | undefined;
    const action = match ? ACTIONS[match[2]!] : undefined;
    if (!match || !name || !FAILPOINT_NAMES.includes(name) || !action) {
      throw new InvalidArgumentError(
        `VIGIL_FAILPOINTS: cannot read ${JSON.stringify(item)}; expected <name>=<kill|pause|throw>[@hit] ` +
          `with a name among ${FAILPOINT_NAMES.join(', ')}`,
      );
    }
    failpoints.arm(name, action, match[3] === undefined ? {} : { onHit: Number(match[3]) });
  }
  return failpoints;
}
