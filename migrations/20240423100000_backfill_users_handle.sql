-- Migration: Backfill users.handle and make it NOT NULL (migrate)
-- Date: 2024-04-23
-- Author: Bob (@bob)
-- Ticket: PROJ-1341
--
-- Context:
-- Migrate phase of ADR 0016. Since 20240416100000_add_handle_to_users every
-- new or renamed user has a handle; this copies username into handle for
-- the rest (in production a batched job did the bulk, this is the final
-- pass). NOT NULL is then added without a long lock: a NOT VALID check
-- constraint, validated without blocking writes, lets SET NOT NULL skip its
-- full-table scan; the helper constraint is dropped afterwards.
--
-- Expected lifespan: permanent
-- Dependencies: users_sync_handle trigger in place (20240416100000)
--
-- Related migrations:
-- - 20240416100000_add_handle_to_users
-- - 20240509100000_deprecate_users_username
--
-- ADR: 0016
--

UPDATE users SET handle = username WHERE handle IS NULL;

ALTER TABLE users ADD CONSTRAINT users_handle_not_null CHECK (handle IS NOT NULL) NOT VALID;

ALTER TABLE users VALIDATE CONSTRAINT users_handle_not_null;

ALTER TABLE users ALTER COLUMN handle SET NOT NULL;

ALTER TABLE users DROP CONSTRAINT users_handle_not_null;
