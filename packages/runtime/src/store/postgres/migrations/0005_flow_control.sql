-- Flow control (decision record 7). A run of a workflow with concurrency or rate limits is
-- created with flow_state 1: its first claim must pass the limits stored on it. Admitted, it is
-- flow_state 2 and counts against its concurrency limits until it finishes. Other runs keep 0.
ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN flow_state SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN concurrency_limit INTEGER;
ALTER TABLE runs ADD COLUMN concurrency_key TEXT;
ALTER TABLE runs ADD COLUMN key_limit INTEGER;
ALTER TABLE runs ADD COLUMN rate_limit INTEGER;
ALTER TABLE runs ADD COLUMN rate_period_ms BIGINT;
ALTER TABLE runs ADD COLUMN rate_key TEXT;
-- When the run was admitted: the rate limit's record of first claims.
ALTER TABLE runs ADD COLUMN admitted_at BIGINT;
-- The limit a queued run was found blocked by ('c' workflow-wide, 'k:<key>', 'r:<key>'). A held
-- run keeps its ready_at (its place in the queue) but is skipped until that limit releases it.
ALTER TABLE runs ADD COLUMN held_on TEXT;

-- The unlimited queue: runs waiting for a first claim under limits are kept out of it, so the
-- plain claim never reads past them.
DROP INDEX runs_ready;
CREATE INDEX runs_ready ON runs (ready_at) WHERE ready_at IS NOT NULL AND flow_state <> 1;
-- The limited queue, without the runs held by a full limit.
CREATE INDEX runs_gated ON runs (ready_at, id) WHERE flow_state = 1 AND held_on IS NULL AND ready_at IS NOT NULL;
-- Held runs of one limit, in queue order: a freed slot releases the first.
CREATE INDEX runs_held ON runs (workflow, held_on, ready_at, id) WHERE held_on IS NOT NULL;
-- Active runs under limits, counted per workflow and per key.
CREATE INDEX runs_flow_active ON runs (workflow, concurrency_key) WHERE flow_state = 2 AND finished_at IS NULL;
-- First claims under a rate limit, newest last.
CREATE INDEX runs_rate_window ON runs (workflow, rate_key, admitted_at)
  WHERE admitted_at IS NOT NULL AND rate_key IS NOT NULL;

-- A rate limit with held runs, and when its window next has room: then one held run is released.
CREATE TABLE flow_timers (
  workflow   TEXT NOT NULL,
  gate       TEXT NOT NULL,
  release_at BIGINT NOT NULL,
  PRIMARY KEY (workflow, gate)
);
CREATE INDEX flow_timers_due ON flow_timers (release_at);
