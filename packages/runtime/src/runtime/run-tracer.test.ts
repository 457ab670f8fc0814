import { ProxyTracerProvider } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';

import { RunTracer } from './run-tracer.js';

describe('RunTracer', () => {
  it('is idle while nothing is registered with the proxy provider Vigil picked, and never again once something is', () => {
    const proxy = new ProxyTracerProvider();
    const tracer = new RunTracer(proxy, true);
    expect(tracer.idle()).toBe(true);
    expect(tracer.idle()).toBe(true);
    proxy.setDelegate(new BasicTracerProvider());
    expect(tracer.idle()).toBe(false);
    expect(tracer.idle()).toBe(false);
  });

  it('is never idle with a provider the application gave, or one already registered', () => {
    expect(new RunTracer(new ProxyTracerProvider(), false).idle()).toBe(false);
    expect(new RunTracer(new BasicTracerProvider(), true).idle()).toBe(false);
    const registered = new ProxyTracerProvider();
    registered.setDelegate(new BasicTracerProvider());
    expect(new RunTracer(registered, true).idle()).toBe(false);
  });
});
