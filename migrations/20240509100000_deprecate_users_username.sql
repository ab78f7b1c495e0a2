-- Migration: Deprecate users.username
-- Date: 2024-05-09
-- Author: Bob (@bob)
-- Ticket: PROJ-1342
--
-- Context:
-- All our services, Billing's three queries and Analytics' twelve
-- dashboards read handle now (ADR 0016). username stays only for partner
-- API v1, whose contract promises the field until it is retired on
-- 2032-06-30. The application stops writing username; the
-- users_sync_handle trigger keeps filling it from handle, so it can no
-- longer be NOT NULL from the writers' point of view. The contract step
-- (drop username, its unique constraint and the trigger) is a separate
-- migration, to be written after that date.
--
-- Expected lifespan: until partner API v1 is retired
-- Can drop after: 2032-06-30
-- Dependencies: partner API v1 (the last reader)
--
-- Related migrations:
-- - 20240416100000_add_handle_to_users
-- - 20240423100000_backfill_users_handle
--
-- ADR: 0016
--

ALTER TABLE users ALTER COLUMN username DROP NOT NULL;

COMMENT ON COLUMN users.username IS
  'Deprecated: replaced by handle (ADR 0016). Can be removed after 2032-06-30.';
