import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { context, propagation, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../test/helpers/harness.js';
import { defineWorkflow } from '../core/workflow.js';
import { runTraceParent } from './run-trace-parent.js';
import { tracesExportConfigured } from './tracing-setup.js';

/** A span as OTLP/JSON carries it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A tiny OTLP/HTTP receiver: keeps the spans of every JSON trace export posted to it. */
class OtlpReceiver {
  readonly spans: OtlpSpan[] = [];
  readonly services: string[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          expect(req.headers['content-type']).toContain('application/json');
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            resourceSpans: Array<{
              resource: { attributes: OtlpSpan['attributes'] };
              scopeSpans: Array<{ spans: OtlpSpan[] }>;
            }>;
          };
          for (const resource of body.resourceSpans) {
            const service = resource.resource.attributes.find((a) => a.key === 'service.name');
            this.services.push(String(service?.value['stringValue']));
            for (const scope of resource.scopeSpans) this.spans.push(...scope.spans);
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const attribute = (span: OtlpSpan, key: string): unknown => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
};

describe('tracing from the OTEL_* environment', () => {
  it('is on only when the variables name an exporter or an OTLP endpoint', () => {
    expect(tracesExportConfigured({})).toBe(false);
    expect(tracesExportConfigured({ OTEL_SERVICE_NAME: 'x' })).toBe(false);
    expect(tracesExportConfigured({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracesExportConfigured({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracesExportConfigured({ OTEL_TRACES_EXPORTER: 'console, none' })).toBe(true);
    expect(tracesExportConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracesExportConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
    expect(tracesExportConfigured({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });

  it('loads and registers nothing when they ask for no export', async () => {
    const h = new Harness('sqlite');
    try {
      const wf = defineWorkflow({ name: 'otlp.off', input: z.object({}) }, async (ctx) => ctx.step('one', () => 1));
      const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
      const { id } = await vigil.start(wf, {});
      expect(await h.result(vigil, id)).toBe(1);
      // The OpenTelemetry API keeps what an SDK registers under this global; nothing did.
      expect((globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')]).toBeUndefined();
      expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    } finally {
      await h.cleanup();
    }
  });

  describe('exporting to a real OTLP/HTTP receiver', () => {
    let h: Harness;
    let receiver: OtlpReceiver;
    const saved = { ...process.env };
    beforeEach(async () => {
      h = new Harness('sqlite');
      receiver = new OtlpReceiver();
      const endpoint = await receiver.start();
      Object.assign(process.env, {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_SERVICE_NAME: 'vigil-test',
      });
    });
    afterEach(async () => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await h.cleanup();
      await receiver.stop();
      // What the SDK registered globally, so later tests start clean.
      trace.disable();
      context.disable();
      propagation.disable();
    });

    it('sends a run’s spans, flushed when the instance closes', async () => {
      const wf = defineWorkflow({ name: 'otlp.flow', input: z.object({}) }, async (ctx) => {
        await ctx.step('fetch', () => 1);
        return 'ok';
      });
      const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
      const { id } = await vigil.start(wf, {});
      expect(await h.result(vigil, id)).toBe('ok');
      await vigil.close();

      const traceId = trace.getSpanContext(runTraceParent(id))!.traceId;
      expect(receiver.services).toContain('vigil-test');
      const run = receiver.spans.find((s) => s.name === 'run otlp.flow');
      const step = receiver.spans.find((s) => s.name === 'step fetch');
      expect(run).toBeDefined();
      expect(step).toBeDefined();
      expect([run!.traceId, step!.traceId]).toEqual([traceId, traceId]);
      expect(step!.parentSpanId).toBe(run!.spanId);
      expect(attribute(run!, 'vigil.run.id')).toBe(id);
      expect(attribute(run!, 'vigil.run.outcome')).toBe('completed');
      expect(attribute(step!, 'vigil.step.name')).toBe('fetch');
    });
  });
});
