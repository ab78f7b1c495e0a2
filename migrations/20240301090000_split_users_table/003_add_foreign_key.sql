-- Migration: Split users table, step 3 of 4: add foreign key
-- Date: 2024-03-19
-- Author: Alice (@alice)
-- Ticket: PROJ-1303
--
-- Context:
-- Reads were switched to user_profiles on 2024-03-18 and the backfill was
-- verified (row counts and checksums match, see PLAN.md). The constraint is
-- added NOT VALID first, which only takes a brief lock, then validated,
-- which scans user_profiles without blocking writes to either table.
--
-- Expected lifespan: permanent
-- Dependencies: application reads profiles from user_profiles (api 2024.03.18)
--
-- Related migrations:
-- - 20240110090000_create_users
--
-- ADR: 0015
--

ALTER TABLE user_profiles
    ADD CONSTRAINT user_profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;

ALTER TABLE user_profiles VALIDATE CONSTRAINT user_profiles_user_id_fkey;
