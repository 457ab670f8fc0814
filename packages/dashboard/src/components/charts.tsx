/**
 * Inline SVG charts, sized by their container (viewBox + 100% width): a stacked bar per time
 * bucket, and horizontal bars. No chart library: these two are all the screens need.
 */
export interface StackedBucket {
  label: string;
  values: Record<string, number>;
}

export function StackedBars(props: { buckets: StackedBucket[]; keys: string[]; title: string }) {
  // About the width it is shown at, so its 11 px labels stay 11 px.
  const width = 1100;
  const height = 180;
  const max = Math.max(1, ...props.buckets.map((b) => props.keys.reduce((sum, k) => sum + (b.values[k] ?? 0), 0)));
  const barWidth = width / Math.max(props.buckets.length, 1);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height + 16}`} role="img" aria-label={props.title}>
        {props.buckets.map((bucket, i) => {
          let y = height;
          return (
            <g key={i}>
              {props.keys.map((key) => {
                const value = bucket.values[key] ?? 0;
                if (value === 0) return null;
                const h = (value / max) * height;
                y -= h;
                return (
                  <rect key={key} className={`fill-${key}`} x={i * barWidth + 1} y={y} width={barWidth - 2} height={h}>
                    <title>{`${bucket.label}: ${value} ${key.replace(/_/g, ' ')}`}</title>
                  </rect>
                );
              })}
              {i % Math.ceil(props.buckets.length / 6) === 0 && (
                <text x={i * barWidth} y={height + 13} className="axis-label">
                  {bucket.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {props.keys.map((key) => (
          <span key={key} className="legend">
            <i className={`swatch fill-${key}`} /> {key.replace(/_/g, ' ')}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function HorizontalBars(props: { rows: Array<{ label: string; value: number; text: string }>; title: string }) {
  const max = Math.max(...props.rows.map((r) => r.value), Number.MIN_VALUE);
  const rowHeight = 22;
  return (
    <svg
      className="chart hbars"
      viewBox={`0 0 900 ${props.rows.length * rowHeight}`}
      role="img"
      aria-label={props.title}
    >
      {props.rows.map((row, i) => (
        <g key={row.label} transform={`translate(0 ${i * rowHeight})`}>
          <text x={0} y={15} className="axis-label">
            {row.label.length > 28 ? `${row.label.slice(0, 27)}…` : row.label}
          </text>
          <rect x={200} y={4} height={14} width={Math.max((row.value / max) * 560, 1)} className="fill-bar" />
          <text x={200 + Math.max((row.value / max) * 560, 1) + 6} y={15} className="axis-label">
            {row.text}
          </text>
        </g>
      ))}
    </svg>
  );
}
