import { Option, type Command } from 'commander';

import { ApiClient } from './api-client.js';
import {
  listBudgetsCommand,
  setBudgetCommand,
  spendCommand,
  type SetBudgetOptions,
  type SpendCommandOptions,
} from './commands/spend.js';
import type { OutputFormat } from './output.js';

/** The database a command works on directly, like `vigil migrate`. */
const db = (): Option =>
  new Option(
    '--db <database>',
    'postgres://… or a SQLite file path (default VIGIL_DATABASE_URL, else .vigil/vigil.db)',
  );

/** The options every client command shares, made by the program. */
export interface CommonOptions {
  output: () => Option;
  url: () => Option;
}

/**
 * The governance commands: `spend` and `budgets` (over HTTP), `audit verify|export` and
 * `keys create|list|revoke` (on the database directly, like `migrate`).
 */
export function registerGovernanceCommands(program: Command, common: CommonOptions): void {
  registerSpendCommands(program, common);
  registerAuditCommands(program, common);
  registerKeyCommands(program, common);
}

/** Spend and budget limits. */
function registerSpendCommands(program: Command, { output, url }: CommonOptions): void {
  program
    .command('spend')
    .description('what LLM and tool calls cost, from the spend ledger')
    .addOption(
      new Option('--by <grouping>', 'group by')
        .choices(['workflow', 'model', 'day', 'run', 'agent'])
        .default('workflow'),
    )
    .option('--since <when>', 'from this long ago (7d, 12h) or an ISO 8601 time')
    .option('--until <when>', 'up to this long ago (1d) or an ISO 8601 time')
    .option('--workflow <name>', 'only this workflow')
    .addOption(output())
    .addOption(url())
    .action((options: { url: string } & SpendCommandOptions) => spendCommand(new ApiClient(options.url), options));

  const budgets = program.command('budgets').description('spend limits: declared, raised, and what is left');
  budgets
    .command('list')
    .description("the limits in force today with their spend, and the workflows' declared budgets")
    .addOption(output())
    .addOption(url())
    .action((options: { url: string; output: OutputFormat }) =>
      listBudgetsCommand(new ApiClient(options.url), options.output),
    );
  budgets
    .command('set')
    .description('set (raise) a limit; a run held by a budget escalation goes on once it is resolved with retry')
    .addOption(
      new Option('--scope <scope>', 'what it limits').choices(['run', 'step', 'agent', 'global']).makeOptionMandatory(),
    )
    .option('--key <key>', 'a run id, <runId>:<seq> for a step, an agent name (not needed for global)')
    .option('--usd <amount>', 'the limit in USD')
    .option('--remove', 'remove the limit set before: the declared one applies again')
    .addOption(output())
    .addOption(url())
    .action((options: { url: string } & SetBudgetOptions) => setBudgetCommand(new ApiClient(options.url), options));
}

/** `vigil audit verify|export`: work on the database directly, like `migrate` and `copy`. */
function registerAuditCommands(program: Command, { output }: CommonOptions): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .description('check the hash chain (and a signed head); exit 1 naming the first bad entry')
    .addOption(db())
    .option(
      '--head <file>',
      'a signed head (default VIGIL_AUDIT_HEAD_FILE, else audit-head.json beside the db if present)',
    )
    .option('--key-file <file>', 'the audit key (default VIGIL_AUDIT_KEY, else audit-key beside the db if present)')
    .addOption(output())
    .action(async (options: { db?: string; head?: string; keyFile?: string; output: OutputFormat }) => {
      const { verifyAuditCommand } = await import('./commands/audit.js');
      await verifyAuditCommand(options);
    });
  audit
    .command('export')
    .description('write audit entries as JSON lines, oldest first')
    .addOption(db())
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--run <id>', 'only entries of this run')
    .option('--type <type>', 'only entries of this type, e.g. policy.decided')
    .option('--principal <principal>', 'only entries by this principal, e.g. key:<id>')
    .action(async (options: { db?: string; out?: string; run?: string; type?: string; principal?: string }) => {
      const { exportAuditCommand } = await import('./commands/audit.js');
      await exportAuditCommand(options);
    });
}

/** `vigil keys`: on the database directly (`--db`), so the first key needs no key. */
function registerKeyCommands(program: Command, { output }: CommonOptions): void {
  const keys = program.command('keys').description('API keys and their roles (works on the database directly)');
  keys
    .command('create')
    .description('create an API key and print it once')
    .addOption(
      new Option('--role <role>', 'what the key may do')
        .choices(['admin', 'operator', 'trigger', 'viewer'])
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'to tell keys apart (default "<role> key")')
    .option('--expires <when>', 'a duration from now (30d, 12h) or an ISO date (default: never)')
    .addOption(db())
    .addOption(output())
    .action(async (options: { role: string; name?: string; expires?: string; db?: string; output: OutputFormat }) => {
      const { createKeyCommand } = await import('./commands/keys.js');
      await createKeyCommand(options);
    });
  keys
    .command('list')
    .description('every key with its role and status (active, revoked, expired); never the keys themselves')
    .addOption(db())
    .addOption(output())
    .action(async (options: { db?: string; output: OutputFormat }) => {
      const { listKeysCommand } = await import('./commands/keys.js');
      await listKeysCommand(options);
    });
  keys
    .command('revoke')
    .description('revoke a key: it is refused from now on')
    .argument('<id>', 'key id, as `vigil keys list` shows it')
    .addOption(db())
    .addOption(output())
    .action(async (id: string, options: { db?: string; output: OutputFormat }) => {
      const { revokeKeyCommand } = await import('./commands/keys.js');
      await revokeKeyCommand(id, options);
    });
}
