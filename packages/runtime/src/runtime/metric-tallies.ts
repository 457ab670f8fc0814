import type { Metric, Registry } from 'prom-client';

/**
 * The engine's counters and histograms, counted in plain maps rather than in prom-client's
 * metric objects. prom-client (about 4.5 MB of RSS once loaded) is then needed only by whoever
 * reads the metrics: `VigilMetrics` loads it at the first scrape, or when `registry` is read,
 * and registers these tallies there. Each tally answers `get()` in the shape prom-client's
 * registry formats (`MetricObjectWithValues`), so the scrape's text is what prom-client's own
 * counters and histograms would print.
 *
 * A series is found by its label values joined with a separator no label value here contains
 * (workflow, step kind, status, tool and model names); one string per event, where prom-client
 * sorted and joined the label names and values of every call.
 */
/** One line of a scrape: a series' value, under `metricName` when it is not the metric's name. */
export interface TallyValue {
  labels: Readonly<Record<string, string | number>>;
  value: number;
  metricName?: string;
}

/** What a tally answers to the registry: the metric and every line it prints. */
export interface TallyObject {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  /** How prom-client's cluster aggregation combines workers' values. */
  aggregator: 'sum';
  values: TallyValue[];
}

abstract class Tally<L extends string> {
  protected readonly series = new Map<string, { labels: Readonly<Record<L, string>> }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
  ) {}

  /** The series' key: its label values in `labelNames` order. */
  protected keyOf(labels: Readonly<Record<L, string>>): string {
    const names = this.labelNames;
    let key = labels[names[0]!];
    for (let i = 1; i < names.length; i++) key += '\u0000' + labels[names[i]!];
    return key;
  }

  protected object(type: TallyObject['type'], values: TallyValue[]): TallyObject {
    return { name: this.name, help: this.help, type, aggregator: 'sum', values };
  }

  /** A copy of `labels` with the declared names only, in their declared order. */
  protected ownLabels(labels: Readonly<Record<L, string>>): Record<L, string> {
    const own = {} as Record<L, string>;
    for (const name of this.labelNames) own[name] = labels[name];
    return own;
  }
}

/** A monotonic counter per label set. */
export class CounterTally<L extends string> extends Tally<L> {
  declare protected readonly series: Map<string, { labels: Readonly<Record<L, string>>; value: number }>;

  inc(labels: Readonly<Record<L, string>>, amount = 1): void {
    const key = this.keyOf(labels);
    const entry = this.series.get(key);
    if (entry) entry.value += amount;
    else this.series.set(key, { labels: this.ownLabels(labels), value: amount });
  }

  get(): Promise<TallyObject> {
    const values = [...this.series.values()].map(({ labels, value }) => ({ labels, value }));
    return Promise.resolve(this.object('counter', values));
  }
}

/** A histogram per label set: a count per bucket, the sum and the count of what was observed. */
export class HistogramTally<L extends string> extends Tally<L> {
  declare protected readonly series: Map<
    string,
    { labels: Readonly<Record<L, string>>; buckets: number[]; sum: number; count: number }
  >;

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    /** Upper bounds, ascending; `+Inf` is implied. */
    private readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  observe(labels: Readonly<Record<L, string>>, value: number): void {
    const key = this.keyOf(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = {
        labels: this.ownLabels(labels),
        buckets: new Array<number>(this.bounds.length).fill(0),
        sum: 0,
        count: 0,
      };
      this.series.set(key, entry);
    }
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        entry.buckets[i]!++;
        break;
      }
    }
    entry.sum += value;
    entry.count++;
  }

  get(): Promise<TallyObject> {
    const name = this.name;
    const values: TallyValue[] = [];
    for (const { labels, buckets, sum, count } of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += buckets[i]!;
        values.push({ labels: Object.assign({ le: bound }, labels), value: cumulative, metricName: `${name}_bucket` });
      });
      values.push(
        { labels: Object.assign({ le: '+Inf' }, labels), value: count, metricName: `${name}_bucket` },
        { labels, value: sum, metricName: `${name}_sum` },
        { labels, value: count, metricName: `${name}_count` },
      );
    }
    return Promise.resolve(this.object('histogram', values));
  }
}

/**
 * Registers a tally on a prom-client registry. The registry asks a metric for nothing but its
 * `name` and `get()` (`getMetricsAsString`, `getMetricsAsJSON`), but its type names
 * prom-client's own classes; a tally stands in for one.
 */
export function registerTally(registry: Registry, tally: CounterTally<string> | HistogramTally<string>): void {
  registry.registerMetric(tally as unknown as Metric);
}
