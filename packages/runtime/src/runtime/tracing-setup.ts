import type { NodeSDK } from '@opentelemetry/sdk-node';

import type { Logger } from '../core/logger.js';

/**
 * Whether the standard OpenTelemetry variables ask for traces to be exported: an exporter named
 * in `OTEL_TRACES_EXPORTER` (other than `none`), or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). `OTEL_SDK_DISABLED=true` turns it off.
 */
export function tracesExportConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (exporters.length > 0) return !exporters.every((name) => name === 'none');
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}

/** A hold on the process's OpenTelemetry SDK; `release` of the last hold shuts it down (flushing spans). */
export interface TracingHold {
  /** Resolves once the SDK is registered (or failed to start, which is logged). */
  ready: Promise<void>;
  release(): Promise<void>;
}

/**
 * The SDK this process started from the environment. It is process-wide by nature (it
 * registers the global tracer provider, context manager and propagators), so Vigil instances
 * in one process share it and the last one closed shuts it down.
 */
let shared: { holds: number; sdk: Promise<NodeSDK | null> } | undefined;

/**
 * Starts `@opentelemetry/sdk-node` configured by the `OTEL_*` variables, when they ask for
 * traces to be exported; otherwise returns null and nothing of the SDK is loaded (the import is
 * dynamic), so spans go to the API's no-op tracer. A failure to start is logged, never thrown:
 * the runs go on without traces.
 */
export function holdTracingFromEnv(logger: Logger, env: NodeJS.ProcessEnv = process.env): TracingHold | null {
  if (!tracesExportConfigured(env)) return null;
  shared ??= { holds: 0, sdk: startSdk(logger, env) };
  const current = shared;
  current.holds += 1;
  let released = false;
  return {
    ready: current.sdk.then(() => undefined),
    release: async () => {
      if (released) return;
      released = true;
      current.holds -= 1;
      if (current.holds > 0) return;
      if (shared === current) shared = undefined;
      const sdk = await current.sdk;
      try {
        await sdk?.shutdown();
      } catch (error) {
        logger.warn('the OpenTelemetry SDK did not shut down cleanly; spans may be lost', { error: String(error) });
      }
    },
  };
}

async function startSdk(logger: Logger, env: NodeJS.ProcessEnv): Promise<NodeSDK | null> {
  try {
    const { NodeSDK } = await import('@opentelemetry/sdk-node');
    // No instrumentations of other libraries: Vigil traces its own runs; an application that
    // wants more configures the SDK itself (Vigil then uses the global tracer it registers).
    const sdk = new NodeSDK({ instrumentations: [], ...(env['OTEL_SERVICE_NAME'] ? {} : { serviceName: 'vigil' }) });
    sdk.start();
    logger.info('OpenTelemetry traces export on', {
      exporter: env['OTEL_TRACES_EXPORTER'] ?? 'otlp',
      endpoint: env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? null,
    });
    return sdk;
  } catch (error) {
    logger.error('the OpenTelemetry SDK could not start; runs go on without traces', { error: String(error) });
    return null;
  }
}
