-- The operator surface (issue 8): the overview counts runs by creation and finish time, and the
-- deployment stream polls runs and escalations changed since its last look.
CREATE INDEX runs_created ON runs (created_at);
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX runs_updated ON runs (updated_at);
CREATE INDEX escalations_created ON escalations (created_at);
CREATE INDEX escalations_resolved ON escalations (resolved_at) WHERE resolved_at IS NOT NULL;
