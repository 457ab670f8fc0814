/** A run's, step's or breaker's status as a coloured pill; the colour says "needs a human" at a glance. */
export function StatusBadge(props: { status: string }) {
  return <span className={`badge status-${props.status}`}>{props.status.replace(/_/g, ' ')}</span>;
}
