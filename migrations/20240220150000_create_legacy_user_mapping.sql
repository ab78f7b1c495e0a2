-- Migration: Create legacy_user_mapping table
-- Date: 2024-02-20
-- Author: Alice (@alice)
-- Ticket: PROJ-1234
--
-- Context:
-- The legacy_sync job imports accounts from the legacy user system in
-- batches. users.legacy_id answers "which legacy account is this user?";
-- this table records the other direction and the state of each import,
-- including legacy accounts that were merged into an existing user (the
-- same e-mail address in both systems), which legacy_id cannot express.
-- The nightly reconciliation report compares both.
--
-- Expected lifespan: 6 months (until migration complete)
-- Can drop after: 2024-08-15
-- Dependencies: legacy_sync background job
--
-- Related migrations:
-- - 20240215100000_add_legacy_id_to_users
--
-- ADR: 0013
--

CREATE TABLE IF NOT EXISTS legacy_user_mapping (
    legacy_id      varchar(50) PRIMARY KEY,
    user_id        bigint REFERENCES users (id) ON DELETE CASCADE,
    legacy_email   text NOT NULL,
    sync_status    text NOT NULL DEFAULT 'pending',
    last_synced_at timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT legacy_user_mapping_sync_status_check CHECK (sync_status IN ('pending', 'imported', 'merged', 'conflict'))
);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_legacy_user_mapping_user_id ON legacy_user_mapping (user_id);

COMMENT ON TABLE legacy_user_mapping IS
  'Temporary: one row per account of the legacy user system and what became of it. Written only by the legacy_sync job. Can be removed after 2024-08-15. See: PROJ-1234';
COMMENT ON COLUMN legacy_user_mapping.legacy_id IS
  'Account ID in the legacy user system, as the legacy API returns it (opaque string).';
COMMENT ON COLUMN legacy_user_mapping.user_id IS
  'The user this legacy account became or was merged into. NULL while pending or in conflict.';
COMMENT ON COLUMN legacy_user_mapping.legacy_email IS
  'E-mail address in the legacy system at import time, kept to explain merges.';
COMMENT ON COLUMN legacy_user_mapping.sync_status IS
  'pending: not imported yet; imported: a new user was created; merged: attached to an existing user with the same e-mail; conflict: needs a human (see the reconciliation report).';
COMMENT ON COLUMN legacy_user_mapping.last_synced_at IS
  'When legacy_sync last compared this account with the legacy system. NULL before the first run.';
