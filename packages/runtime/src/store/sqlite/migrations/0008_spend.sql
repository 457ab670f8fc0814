-- Spend: every reservation of a call's expected cost, and once settled, the ledger entry of what
-- it cost (state 'reserved' → 'settled' | 'released'). One row per run, step seq and attempt,
-- so a crash-retry of an attempt finds its reservation instead of making a second. Money is in
-- whole nano-dollars (1e-9 USD) so sums are exact. `scopes` (JSON) names the counters the
-- reservation holds, with the limits it was checked against, to settle the same counters.
CREATE TABLE spend_ledger (
  run_id           TEXT NOT NULL,
  seq              INTEGER NOT NULL,
  attempt          INTEGER NOT NULL,
  workflow         TEXT NOT NULL,
  agent            TEXT NOT NULL,
  step             TEXT NOT NULL,
  kind             TEXT NOT NULL,
  target           TEXT NOT NULL,
  state            TEXT NOT NULL,
  estimate_nanos   INTEGER NOT NULL,
  nanos            INTEGER,
  scopes           TEXT NOT NULL,
  day              TEXT NOT NULL,
  input_tokens     INTEGER,
  output_tokens    INTEGER,
  cached_tokens    INTEGER,
  reasoning_tokens INTEGER,
  reserved_at      INTEGER NOT NULL,
  settled_at       INTEGER,
  PRIMARY KEY (run_id, seq, attempt)
) STRICT;
-- Spend queries over a time range.
CREATE INDEX spend_ledger_settled ON spend_ledger (settled_at) WHERE state = 'settled';
-- Settled and reserved spend per scope key and period ('' for a step or run, the UTC day for an
-- agent or the whole deployment): what a reservation is checked against. `soft_notified` is set
-- once the soft limit was reported for it.
CREATE TABLE spend_counters (
  scope          TEXT NOT NULL,
  key            TEXT NOT NULL,
  period         TEXT NOT NULL,
  settled_nanos  INTEGER NOT NULL,
  reserved_nanos INTEGER NOT NULL,
  soft_notified  INTEGER NOT NULL DEFAULT 0,
  updated_at     INTEGER NOT NULL,
  PRIMARY KEY (scope, key, period)
) STRICT;
-- Limits an operator set (e.g. raised a run's budget so it may go on); they win over the
-- limits the workflow or the options declare.
CREATE TABLE budget_limits (
  scope      TEXT NOT NULL,
  key        TEXT NOT NULL,
  nanos      INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT,
  PRIMARY KEY (scope, key)
) STRICT;
