import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

/** A parsed scrape: its metric families, and every sample line with all its labels. */
export interface Scrape {
  families: PrometheusFamily[];
  /** The value of the one sample named `name` whose labels are exactly `labels`; undefined if none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample named `name`, with its labels. */
  samples(name: string): Array<{ labels: Record<string, string>; value: number }>;
}

/**
 * Parses Prometheus text with a real parser. The parser flattens a histogram's samples into one
 * and drops the labels of its `_sum` and `_count` (it follows prom2json, which expects unlabelled
 * histograms), so samples are read from a second parse without `# TYPE` lines, where each
 * `_bucket`, `_sum` and `_count` line stays a sample of its own with every label.
 */
export function parseScrape(text: string): Scrape {
  const families = parsePrometheusTextFormat(text);
  const untyped = parsePrometheusTextFormat(
    text
      .split('\n')
      .filter((line) => !line.startsWith('# TYPE '))
      .join('\n'),
  );
  const samples = (name: string) =>
    untyped
      .filter((f) => f.name === name)
      .flatMap((f) => f.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) })));
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  return {
    families,
    samples,
    value(name, labels = {}) {
      const found = samples(name).filter((s) => same(s.labels, labels));
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} with labels ${JSON.stringify(labels)}`);
      return found[0]?.value;
    },
  };
}
