-- What a step was called with, for the dashboard's step panel (issue 8): a tool call's checked
-- arguments, an LLM call's request summary (model, message count, tool names). JSON text,
-- redacted by the audit trail's rules before it is written. Written once, with the step's first
-- "started" row; later writes of the row keep it. Null for other kinds and for older rows. Not
-- covered by the step checksum: replay never reads it (see checkpoint-checksum.ts).
ALTER TABLE steps ADD COLUMN input TEXT;
