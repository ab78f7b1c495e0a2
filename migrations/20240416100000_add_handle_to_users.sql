-- Migration: Add handle column to users (expand)
-- Date: 2024-04-16
-- Author: Bob (@bob)
-- Ticket: PROJ-1340
--
-- Context:
-- Expand phase of the rename of users.username to users.handle (ADR 0016).
-- A plain RENAME COLUMN would break Billing's queries, Analytics'
-- dashboards and partner API v1 the moment it ran. Instead both columns
-- exist during the transition: this adds handle (nullable for now), a
-- trigger that keeps username and handle equal whichever one a client
-- writes, and the unique index. Existing rows are backfilled in
-- 20240423100000_backfill_users_handle.
--
-- Expected lifespan: permanent (the trigger goes when username is dropped)
-- Dependencies: none; old code keeps writing username, the trigger copies it
--
-- Related migrations:
-- - 20240110090000_create_users
-- - 20240423100000_backfill_users_handle
--
-- ADR: 0016
--

ALTER TABLE users ADD COLUMN IF NOT EXISTS handle varchar(50);

CREATE OR REPLACE FUNCTION users_sync_handle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.handle := COALESCE(NEW.handle, NEW.username);
        NEW.username := COALESCE(NEW.username, NEW.handle);
    ELSIF NEW.handle IS DISTINCT FROM OLD.handle THEN
        NEW.username := NEW.handle;
    ELSIF NEW.username IS DISTINCT FROM OLD.username THEN
        NEW.handle := NEW.username;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER users_sync_handle
    BEFORE INSERT OR UPDATE OF username, handle ON users
    FOR EACH ROW EXECUTE FUNCTION users_sync_handle();

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_users_handle ON users (handle);

COMMENT ON FUNCTION users_sync_handle() IS
  'Dual-write during the username -> handle rename (ADR 0016): copies whichever of the two columns a client wrote into the other. Drop together with users.username.';
COMMENT ON COLUMN users.handle IS
  'Public, unique name shown on posts and used in profile URLs (@handle). 3 to 50 characters, letters, digits and underscores. Replaces users.username (ADR 0016).';
