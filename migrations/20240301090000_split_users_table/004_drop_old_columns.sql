-- Migration: Split users table, step 4 of 4: drop profile columns from users
-- Date: 2024-03-26
-- Author: Alice (@alice)
-- Ticket: PROJ-1304
--
-- Context:
-- Nothing has read users.bio, users.avatar_url or users.settings for a
-- week: pg_stat_statements shows no query touching them since the
-- 2024-03-18 deploy, the dual-write code was removed on 2024-03-21, and
-- Analytics moved their profile dashboards to user_profiles. Dropping a
-- column only changes the catalog; the space is reclaimed as rows are
-- rewritten. This is the point of no return: see ROLLBACK.md.
--
-- Expected lifespan: permanent
-- Dependencies: dual-write removed (api 2024.03.21)
--
-- Related migrations:
-- - 20240110090000_create_users
--
-- ADR: 0015
--
-- schema-wiki: ignore-file unsafe-migration no reader left: pg_stat_statements shows none since 2024-03-18
--

ALTER TABLE users DROP COLUMN IF EXISTS bio;

ALTER TABLE users DROP COLUMN IF EXISTS avatar_url;

ALTER TABLE users DROP COLUMN IF EXISTS settings;
