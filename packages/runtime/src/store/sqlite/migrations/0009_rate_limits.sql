-- Token buckets of the tool access policy's rate limits, one per key (`<tool>|<scope value>`),
-- shared by every worker: `tokens` left at `updated_at`, refilled on each take.
CREATE TABLE rate_limits (
  key        TEXT PRIMARY KEY,
  tokens     REAL NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
