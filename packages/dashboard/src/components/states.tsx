import type { ReactNode } from 'react';

import type { Resource } from '../api/use-resource';

export function Loading(props: { what?: string }) {
  return (
    <div className="state loading" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </div>
  );
}

export function ErrorBox(props: { error: Error; onRetry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <strong>Could not load.</strong> {props.error.message}
      {props.onRetry && (
        <button type="button" onClick={props.onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <div className="state empty">{props.children}</div>;
}

export function Unavailable(props: { what: string }) {
  return (
    <div className="state unavailable">
      {props.what} is not available on this server yet (its API route answered 404).
    </div>
  );
}

/**
 * Renders a resource's loading, unavailable and error states, else `children(data)`. Data
 * already shown stays on screen while it refreshes, with the error above it if a refresh failed.
 */
export function Loaded<T>(props: { resource: Resource<T>; what: string; children: (data: T) => ReactNode }) {
  const { resource } = props;
  if (resource.state === 'unavailable') return <Unavailable what={props.what} />;
  if (resource.state === 'error' && resource.data === null) {
    return <ErrorBox error={resource.error} onRetry={resource.reload} />;
  }
  if (resource.data === null) return <Loading what={props.what} />;
  return (
    <>
      {resource.state === 'error' && <ErrorBox error={resource.error} onRetry={resource.reload} />}
      {props.children(resource.data)}
    </>
  );
}
