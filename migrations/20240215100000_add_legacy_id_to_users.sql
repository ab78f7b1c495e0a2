-- Migration: Add legacy_id column
-- Date: 2024-02-15
-- Author: Alice (@alice)
-- Ticket: PROJ-1234
--
-- Context:
-- We're migrating from legacy user system. This column stores
-- the old system's user ID for data reconciliation.
--
-- Expected lifespan: 6 months (until migration complete)
-- Can drop after: 2024-08-15
-- Dependencies: legacy_sync background job
--
-- Related migrations:
-- - 20240220150000_create_legacy_user_mapping
--
-- ADR: 0013
--

ALTER TABLE users ADD COLUMN IF NOT EXISTS legacy_id VARCHAR(50);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_legacy_id ON users (legacy_id);

COMMENT ON COLUMN users.legacy_id IS
  'Legacy system user ID. Used for data reconciliation during migration. Can be removed after 2024-08-15 when migration is complete. See: PROJ-1234';
