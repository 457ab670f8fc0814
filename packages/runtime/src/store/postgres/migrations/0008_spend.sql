-- Spend: every reservation of a call's expected cost, and once settled, the ledger entry of what
-- it cost (state 'reserved' → 'settled' | 'released'). One row per run, step seq and attempt,
-- so a crash-retry of an attempt finds its reservation instead of making a second. Money is in
-- whole nano-dollars (1e-9 USD) so sums are exact. `scopes` (JSON) names the counters the
-- reservation holds, with the limits it was checked against, to settle the same counters.
CREATE TABLE spend_ledger (
  run_id           TEXT COLLATE "C" NOT NULL,
  seq              INTEGER NOT NULL,
  attempt          INTEGER NOT NULL,
  workflow         TEXT NOT NULL,
  agent            TEXT NOT NULL,
  step             TEXT NOT NULL,
  kind             TEXT NOT NULL,
  target           TEXT NOT NULL,
  state            TEXT NOT NULL,
  estimate_nanos   BIGINT NOT NULL,
  nanos            BIGINT,
  scopes           TEXT NOT NULL,
  day              TEXT NOT NULL,
  input_tokens     BIGINT,
  output_tokens    BIGINT,
  cached_tokens    BIGINT,
  reasoning_tokens BIGINT,
  reserved_at      BIGINT NOT NULL,
  settled_at       BIGINT,
  PRIMARY KEY (run_id, seq, attempt)
);
-- Spend queries over a time range.
CREATE INDEX spend_ledger_settled ON spend_ledger (settled_at) WHERE state = 'settled';
-- Settled and reserved spend per scope key and period ('' for a step or run, the UTC day for an
-- agent or the whole deployment): what a reservation is checked against, under the row's lock.
-- `soft_notified` is set once the soft limit was reported for it.
CREATE TABLE spend_counters (
  scope          TEXT COLLATE "C" NOT NULL,
  key            TEXT COLLATE "C" NOT NULL,
  period         TEXT COLLATE "C" NOT NULL,
  settled_nanos  BIGINT NOT NULL,
  reserved_nanos BIGINT NOT NULL,
  soft_notified  BOOLEAN NOT NULL DEFAULT false,
  updated_at     BIGINT NOT NULL,
  PRIMARY KEY (scope, key, period)
);
-- Limits an operator set (e.g. raised a run's budget so it may go on); they win over the
-- limits the workflow or the options declare.
CREATE TABLE budget_limits (
  scope      TEXT COLLATE "C" NOT NULL,
  key        TEXT COLLATE "C" NOT NULL,
  nanos      BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT,
  PRIMARY KEY (scope, key)
);
