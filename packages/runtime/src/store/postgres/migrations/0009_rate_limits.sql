-- Token buckets of the tool access policy's rate limits, one per key (`<tool>|<scope value>`),
-- shared by every worker: `tokens` left at `updated_at`, refilled on each take. `granted` is
-- whether the last take got a token: the one upsert that takes reports it back.
CREATE TABLE rate_limits (
  key        TEXT COLLATE "C" PRIMARY KEY,
  tokens     DOUBLE PRECISION NOT NULL,
  updated_at BIGINT NOT NULL,
  granted    BOOLEAN NOT NULL DEFAULT true
);
