/**
 * The conformance suite every `Store` passes. Each dialect's test file calls
 * `describeStoreContract(name, factory)`; a gap in a backend is an explicit `skip` with a
 * reason, never a quiet condition. The cases live in `contract/`, one file per aggregate.
 */
import { afterEach, beforeEach, describe } from 'vitest';

import { alertsContract } from './contract/alerts.contract.js';
import { apiKeysContract } from './contract/api-keys.contract.js';
import { auditContract } from './contract/audit.contract.js';
import { breakersContract } from './contract/breakers.contract.js';
import { checkpointsContract } from './contract/checkpoints.contract.js';
import type { ContractContext, StoreFixture } from './contract/context.js';
import { deadLettersContract } from './contract/dead-letters.contract.js';
import { escalationsContract } from './contract/escalations.contract.js';
import { eventsContract } from './contract/events.contract.js';
import { gaugesContract } from './contract/gauges.contract.js';
import { flowControlContract } from './contract/flow-control.contract.js';
import { memoryContract } from './contract/memory.contract.js';
import { operatorContract } from './contract/operator.contract.js';
import { outboxContract } from './contract/outbox.contract.js';
import { queueContract } from './contract/queue.contract.js';
import { rateLimitsContract } from './contract/rate-limits.contract.js';
import { runsContract } from './contract/runs.contract.js';
import { schedulesContract } from './contract/schedules.contract.js';
import { spendContract } from './contract/spend.contract.js';
import { stepInputContract } from './contract/step-input.contract.js';
import { stepLogsContract } from './contract/step-logs.contract.js';

export type { StoreFixture } from './contract/context.js';

export function describeStoreContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let context: ContractContext | undefined;
    const ctx = (): ContractContext => {
      if (!context) throw new Error('the store fixture is not set up');
      return context;
    };

    beforeEach(async () => {
      const fx = await makeFixture();
      await fx.store.migrate();
      context = { store: fx.store, clock: fx.clock, fx };
    });
    afterEach(async () => {
      await context?.fx.close();
      context = undefined;
    });

    describe('runs', () => runsContract(ctx));
    describe('queue and timers', () => queueContract(ctx));
    describe('checkpoints', () => checkpointsContract(ctx));
    describe('step input', () => stepInputContract(ctx));
    describe('escalations', () => escalationsContract(ctx));
    describe('dead letters', () => deadLettersContract(ctx));
    describe('breakers', () => breakersContract(ctx));
    describe('outbox', () => outboxContract(ctx));
    describe('events', () => eventsContract(ctx));
    describe('schedules', () => schedulesContract(ctx));
    describe('flow control', () => flowControlContract(ctx));
    describe('api keys', () => apiKeysContract(ctx));
    describe('spend', () => spendContract(ctx));
    describe('rate limits', () => rateLimitsContract(ctx));
    describe('audit', () => auditContract(ctx));
    describe('memory', () => memoryContract(ctx));
    describe('step logs', () => stepLogsContract(ctx));
    describe('alerts and signals', () => alertsContract(ctx));
    describe('gauges', () => gaugesContract(ctx));
    describe('operator surface', () => operatorContract(ctx));
  });
}
