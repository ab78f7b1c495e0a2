-- Migration: Add phone column to users
-- Date: 2024-02-20
-- Author: Alice (@alice)
-- Ticket: PROJ-1250
--
-- Context:
-- SMS notifications (see the notifications table, created on Thursday)
-- need a phone number. The column is nullable, so adding it only changes
-- the catalog: no table rewrite, lock held for milliseconds. No code change
-- is required before or after. Announced in #db-migrations on 2024-02-19
-- for Tuesday 14:00 UTC; @bob held his users PR until it had run.
-- Rollback: drop the column (nothing reads it yet).
--
-- Expected lifespan: permanent
-- Dependencies: none
--
-- Related migrations:
-- - 20240222100000_create_notifications
--

ALTER TABLE users ADD COLUMN IF NOT EXISTS phone varchar(20);

COMMENT ON COLUMN users.phone IS
  'Mobile phone number in E.164 format (+ and up to 15 digits), used for SMS notifications. NULL when the user gave none. Not verified, so it may contain typos.';
