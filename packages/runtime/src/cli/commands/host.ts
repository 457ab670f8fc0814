import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { apiOptions } from '../../api-options.js';
import { createVigil } from '../../compose.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { checkAuditKey, defaultAuditKeyFile, type AuditOptions } from '../../runtime/audit-options.js';
import { failpointsFromSpec } from '../../runtime/failpoints.js';
import { TOOL_FAULTS_ENV, toolFaultsFromSpec } from '../../runtime/tool-faults.js';
import { createLogger } from '../../runtime/pino-logger.js';
import type { WorkerOptions } from '../../runtime/worker.js';
import { createApp } from '../../server/app.js';
import { createMetricsApp } from '../../server/metrics-app.js';
import { serve, type RunningServer } from '../../server/serve.js';
import { resolveWebhookSources } from '../../server/webhook-sources.js';
import { DEFAULT_DATABASE, sqliteFileOf } from '../../store/open-store.js';
import { findDashboardDir } from '../dashboard-dir.js';
import { loadProject } from '../load-workflows.js';
import { createDevKey } from '../dev-key.js';

export interface HostOptions {
  /** Serve the HTTP API. */
  api: boolean;
  /** Run a worker. */
  worker: boolean;
  db?: string;
  load: string[];
  config?: string;
  port?: string;
  /** The web dashboard's built files (default `VIGIL_DASHBOARD_DIR`, else the installed `@vigil/dashboard`). */
  dashboardDir?: string;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** `vigil worker`: serve `GET /metrics` (and `/healthz`) on this port; none by default. */
  metricsPort?: string;
  metricsHost?: string;
  concurrency?: string;
  leaseTtl?: string;
  grace?: string;
  dbPool?: string;
  /**
   * `vigil dev`: create an admin key named `vigil dev` at each start (revoking the older ones of
   * that name) and write it to `dev-api-key` beside the SQLite file.
   */
  devKey?: boolean;
  /** Sign the audit head with a key kept in `audit-key` beside the database, made if missing (for `dev`). */
  devAuditKey?: boolean;
  /** The line printed once everything is up (for `dev`). */
  banner?: (info: {
    url: string | null;
    store: string;
    workflows: string[];
    apiKey: { key: string; file: string } | null;
    /** Whether the web dashboard is served at `/`. */
    dashboard: boolean;
  }) => string;
}

const DEFAULT_PORT = 7400;
/** Room for the request envelope around a maximal input. */
const ENVELOPE_BYTES = 64 * 1024;

/**
 * Runs Vigil in this process (API, worker or both) until SIGINT or SIGTERM, then stops
 * gracefully: the API closes, the worker drains within its grace period, the store closes.
 * A second signal exits at once.
 */
export async function host(options: HostOptions): Promise<void> {
  const logger = createLogger();
  const project = await loadProject({
    cwd: process.cwd(),
    load: options.load,
    ...(options.config ? { configPath: options.config } : {}),
  });
  const database = options.db ?? process.env['VIGIL_DATABASE_URL'] ?? project.config.database ?? DEFAULT_DATABASE;
  const failpointSpec = process.env['VIGIL_FAILPOINTS'];
  // Set by `vigil chaos` for its workers; nobody else should.
  const toolFaultSpec = process.env[TOOL_FAULTS_ENV];
  const workerOptions: WorkerOptions = {
    ...project.config.worker,
    ...(options.concurrency ? { concurrency: positiveInt(options.concurrency, '--concurrency') } : {}),
    ...(options.leaseTtl ? { leaseTtlMs: positiveInt(options.leaseTtl, '--lease-ttl') } : {}),
    ...(options.grace ? { shutdownGraceMs: positiveInt(options.grace, '--grace', 0) } : {}),
  };
  // Read before anything opens, so a misconfigured source stops the start-up, not a delivery.
  const webhookSources = options.api ? resolveWebhookSources(project.config.webhooks, process.env) : [];
  const dashboardDir = options.api
    ? findDashboardDir(options.dashboardDir ?? process.env['VIGIL_DASHBOARD_DIR'], process.cwd())
    : null;
  if (options.worker && project.workflows.length === 0) {
    logger.warn('no workflows loaded: pass --load <module> or add a vigil.config.ts; the worker has nothing to run');
  }
  const audit: AuditOptions = { ...project.config.audit };
  if (options.devAuditKey && audit.signingKey === undefined && !process.env['VIGIL_AUDIT_KEY']) {
    audit.signingKey = devAuditKey(defaultAuditKeyFile(sqliteFileOf(database)), logger);
  }
  const vigil = createVigil({
    database,
    audit,
    ...(options.dbPool ? { poolSize: positiveInt(options.dbPool, '--db-pool') } : {}),
    workflows: project.workflows,
    tools: project.tools,
    logger,
    // The environment wins over the config file, as for the database; createVigil reads it itself.
    ...(project.config.idempotencyRetention !== undefined && process.env['VIGIL_IDEMPOTENCY_RETENTION'] === undefined
      ? { idempotencyRetention: project.config.idempotencyRetention }
      : {}),
    ...(failpointSpec ? { failpoints: failpointsFromSpec(failpointSpec) } : {}),
    ...(toolFaultSpec ? { toolFaults: toolFaultsFromSpec(toolFaultSpec) } : {}),
    ...(project.config.pricing ? { pricing: project.config.pricing } : {}),
    ...(project.config.llm ? { llm: project.config.llm } : {}),
    ...(project.config.budgets ? { budgets: project.config.budgets } : {}),
    ...(project.config.alerts ? { alerts: project.config.alerts } : {}),
    ...(project.config.metrics ? { metrics: project.config.metrics } : {}),
  });
  // Listen for SIGINT/SIGTERM from the start: a signal during start-up stops cleanly too.
  const stop = stopSignal(logger);
  await vigil.ready();
  logger.info('store opened', { store: vigil.store.describe() });
  logger.info('LLM model default', { model: vigil.models.describe('default'), models: vigil.models.names() });
  if (!vigil.audit.recording) logger.warn('the audit trail is off in this process (audit: false)');
  else if (vigil.audit.headFile === null) {
    logger.warn(
      'no audit signing key (VIGIL_AUDIT_KEY or audit.signingKey): no signed head is written, so a truncated audit trail cannot be detected',
    );
  } else logger.info('audit trail recording; signed head written periodically', { headFile: vigil.audit.headFile });
  logger.info('workflows registered', {
    workflows: vigil.registry.list().map((w) => `${w.name}@${w.version}`),
    config: project.configPath,
  });
  if (vigil.alerts.rules.length > 0) {
    logger.info('alert rules evaluated in this process', { rules: vigil.alerts.rules.map((r) => r.id) });
  }
  if (options.worker && !stop.requested) vigil.startWorker(workerOptions);

  const apiKey = options.devKey && !stop.requested ? await createDevKey(vigil, database) : null;
  if (options.api && !options.devKey && !(await vigil.keys.hasActiveAdmin())) {
    logger.warn('no active admin API key: every request but /healthz will be refused until one exists', {
      create: 'vigil keys create --role admin --db <this database>',
    });
  }

  let server: RunningServer | undefined;
  if (options.api && !stop.requested) {
    const app = createApp(
      apiOptions(vigil, { logger, maxBodyBytes: 2 * 1024 * 1024 + ENVELOPE_BYTES, webhookSources, dashboardDir }),
    );
    const port = options.port ?? process.env['PORT'] ?? project.config.port?.toString() ?? String(DEFAULT_PORT);
    server = await serve(app, { port: positiveInt(port, '--port', 0), hostname: options.host ?? '127.0.0.1' });
    logger.info('API listening', {
      url: server.url,
      webhookSources: webhookSources.map((s) => s.name),
      dashboard: dashboardDir ?? 'not installed (GET / answers the JSON index)',
    });
  }
  if (!options.api && options.metricsPort !== undefined && !stop.requested) {
    server = await serve(createMetricsApp({ metrics: vigil.metrics, keys: vigil.keys, logger }), {
      port: positiveInt(options.metricsPort, '--metrics-port', 0),
      hostname: options.metricsHost ?? '127.0.0.1',
    });
    logger.info('metrics listening', { url: `${server.url}/metrics`, public: vigil.metrics.public });
  }
  const workflows = vigil.registry.list().map((w) => `${w.name}@${w.version}`);
  if (options.banner) {
    process.stdout.write(
      `${options.banner({ url: server?.url ?? null, store: vigil.store.describe(), workflows, apiKey, dashboard: dashboardDir !== null })}\n`,
    );
  }

  const signal = await stop.signal;
  logger.info('stopping', { signal });
  try {
    await server?.close();
    await vigil.close();
  } catch (error) {
    logger.error('error while stopping', { error: String(error) });
    process.exitCode = 1;
  }
}

/** Resolves with the first SIGINT or SIGTERM; a second one exits at once (130). */
function stopSignal(logger: Logger): { readonly requested: boolean; signal: Promise<NodeJS.Signals> } {
  const state = { requested: false, signal: Promise.resolve<NodeJS.Signals>('SIGTERM') };
  state.signal = new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (state.requested) {
        logger.warn('second signal: exiting now', { signal });
        process.exit(130);
      }
      state.requested = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return state;
}

/**
 * The key `vigil dev` signs the audit head with when none is configured: read from `file`, or
 * generated there (readable by this user only). Outside the database, as a signing key must be.
 */
function devAuditKey(file: string, logger: Logger): string {
  if (existsSync(file)) return checkAuditKey(readFileSync(file, 'utf8').trim(), file);
  const key = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  logger.info('generated an audit signing key', { file });
  return key;
}

function positiveInt(value: string, flag: string, min = 1): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < min) {
    throw new InvalidArgumentError(`${flag} must be an integer ≥ ${min}; got ${JSON.stringify(value)}`);
  }
  return number;
}
