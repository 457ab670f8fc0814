/** A value as indented JSON, or a dash for none. */
export function JsonView(props: { value: unknown; label?: string }) {
  if (props.value === undefined) return <span className="muted">not recorded</span>;
  if (props.value === null) return <span className="muted">—</span>;
  return (
    <pre className="json" aria-label={props.label}>
      {JSON.stringify(props.value, null, 2)}
    </pre>
  );
}
