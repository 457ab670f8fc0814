import { ProxyTracerProvider, type Tracer, type TracerProvider } from '@opentelemetry/api';

/** What `getDelegate()` of a proxy provider returns while nothing is registered with it: the API's no-op provider. */
const NO_DELEGATE = new ProxyTracerProvider().getDelegate();

/**
 * The tracer a Vigil instance's executions make their spans with, and whether anyone can see
 * those spans right now.
 *
 * The rule: a provider Vigil picked itself (the API's global provider, or the private one of
 * `tracing: false`) that is the OpenTelemetry API's `ProxyTracerProvider` with no provider
 * registered with it hands out a `ProxyTracer` bound to it, and that tracer passes every span to
 * the API's no-op tracer until a provider is registered: each span is then a non-recording copy of
 * its parent's span context, which nobody exports. The proxy tracer looks for a registered
 * provider at every span, so {@link idle} looks as often: an SDK registered after the instance was
 * created gets the next spans. A provider given in `tracing.tracerProvider` is never idle: its
 * spans are always made, as the application may record them in ways the API cannot tell.
 */
export class RunTracer {
  readonly tracer: Tracer;
  /** The proxy provider while nothing has been seen registered with it; then undefined for good. */
  private proxy: ProxyTracerProvider | undefined;

  /** `picked`: Vigil chose `provider` itself (see the class comment); only then may it be idle. */
  constructor(provider: TracerProvider, picked: boolean) {
    this.tracer = provider.getTracer('vigil');
    this.proxy =
      picked && provider instanceof ProxyTracerProvider && provider.getDelegate() === NO_DELEGATE
        ? provider
        : undefined;
  }

  /** True while every span {@link tracer} makes is the no-op tracer's (see the class comment). */
  idle(): boolean {
    if (this.proxy === undefined) return false;
    if (this.proxy.getDelegate() === NO_DELEGATE) return true;
    // A proxy tracer keeps the registered provider's tracer once it has found it: recording for good.
    this.proxy = undefined;
    return false;
  }
}
