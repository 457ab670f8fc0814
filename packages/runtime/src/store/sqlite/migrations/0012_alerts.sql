-- Alerts (issue 8): one row per alert rule, the state every process evaluating the rule agrees
-- on. A transition (resolved → firing, firing → resolved) is one conditional upsert, so of two
-- processes evaluating at once exactly one makes it and announces it.
CREATE TABLE alerts (
  rule_id      TEXT PRIMARY KEY,
  state        TEXT NOT NULL,
  since        INTEGER NOT NULL,
  resolved_at  INTEGER,
  value        REAL NOT NULL,
  threshold    REAL NOT NULL,
  message      TEXT NOT NULL,
  evaluated_at INTEGER NOT NULL
) STRICT;

-- Historical step durations per workflow version (progress ETA): the newest runs of a version.
CREATE INDEX runs_workflow_version ON runs (workflow, version, id);
