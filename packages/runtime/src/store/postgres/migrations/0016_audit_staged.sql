-- G9 across a crash: a step's audit entries commit with the step. The group commit writes many
-- runs in one statement while the chain is appended under an advisory lock of its own, so a step
-- write stages its entries here, in its own transaction, and the next append chains them (in
-- `id` order, under that lock) and removes them in the same transaction. Entries a killed
-- process staged are chained by the next append of any process, and when a store opens.
CREATE TABLE audit_staged (
  id         BIGSERIAL PRIMARY KEY,
  at         BIGINT NOT NULL,
  type       TEXT NOT NULL,
  run_id     TEXT COLLATE "C",
  principal  TEXT,
  -- The entry's details as canonical JSON text, hashed verbatim once chained.
  data       TEXT NOT NULL
);
