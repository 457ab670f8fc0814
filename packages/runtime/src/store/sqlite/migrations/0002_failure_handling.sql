-- Failure handling: attempts of steps, dead letters, escalations, circuit breakers and the
-- outbox of notifications. Every table here is written either in the same transaction as a
-- fenced step write, or by an operator action that needs no lease.

-- A step's policy state that must survive executions (the escalation it waits on, the attempt
-- its current round of retries started at), as JSON; covered by the step's checksum when set.
ALTER TABLE steps ADD COLUMN detail TEXT;

-- A partially completed run says what is missing; a replayed run names the run it replays.
ALTER TABLE runs ADD COLUMN summary TEXT;
ALTER TABLE runs ADD COLUMN replay_of TEXT;

-- One row per attempt of a step that did not succeed: its error and the delay before the next
-- one. The attempt that succeeded (or is in flight) is the step row itself.
CREATE TABLE step_attempts (
  run_id     TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  attempt    INTEGER NOT NULL,
  outcome    TEXT NOT NULL,
  error      TEXT,
  started_at INTEGER NOT NULL,
  ended_at   INTEGER NOT NULL,
  delay_ms   INTEGER,
  PRIMARY KEY (run_id, seq, attempt)
) STRICT, WITHOUT ROWID;

-- Runs that failed permanently, parked for an operator. A run can be dead-lettered again after
-- a replay, so the run id is not the key.
CREATE TABLE dead_letters (
  id            TEXT PRIMARY KEY,
  run_id        TEXT NOT NULL,
  workflow      TEXT NOT NULL,
  version       INTEGER NOT NULL,
  reason        TEXT NOT NULL,
  error         TEXT NOT NULL,
  failed_seq    INTEGER,
  failed_step   TEXT,
  context       TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  replayed_at   INTEGER,
  replay_run_id TEXT,
  replayed_by   TEXT
) STRICT;
CREATE INDEX dead_letters_open ON dead_letters (workflow, id) WHERE replayed_at IS NULL;
CREATE INDEX dead_letters_run ON dead_letters (run_id);

-- Tasks for humans. A blocking escalation holds its run in `waiting` until resolved.
CREATE TABLE escalations (
  id          TEXT PRIMARY KEY,
  run_id      TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  step        TEXT NOT NULL,
  workflow    TEXT NOT NULL,
  kind        TEXT NOT NULL,
  reason      TEXT NOT NULL,
  summary     TEXT,
  assignee    TEXT,
  blocking    INTEGER NOT NULL,
  status      TEXT NOT NULL,
  context     TEXT NOT NULL,
  timeout_at  INTEGER,
  on_timeout  TEXT,
  decision    TEXT,
  value       TEXT,
  resolved_by TEXT,
  note        TEXT,
  created_at  INTEGER NOT NULL,
  resolved_at INTEGER
) STRICT;
CREATE INDEX escalations_open ON escalations (id) WHERE status = 'open';
CREATE INDEX escalations_run ON escalations (run_id, seq);

-- Circuit breakers, one row per tool (or tool and key), shared by every worker.
CREATE TABLE breakers (
  key                  TEXT PRIMARY KEY,
  tool                 TEXT NOT NULL,
  status               TEXT NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  window_start         INTEGER NOT NULL,
  window_calls         INTEGER NOT NULL,
  window_failures      INTEGER NOT NULL,
  opened_at            INTEGER,
  open_until           INTEGER,
  probe_until          INTEGER,
  last_error           TEXT,
  updated_at           INTEGER NOT NULL
) STRICT;

-- Notifications to deliver (escalation webhooks), written with the change they announce and
-- delivered with retries by whichever process runs the notifier.
CREATE TABLE outbox (
  id              TEXT PRIMARY KEY,
  topic           TEXT NOT NULL,
  payload         TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  delivered_at    INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
