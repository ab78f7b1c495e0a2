-- Migration: Split users table, step 2 of 4: backfill user_profiles
-- Date: 2024-03-12
-- Author: Alice (@alice)
-- Ticket: PROJ-1302
--
-- Context:
-- Since the 2024-03-05 deploy the application writes profile fields to
-- users and user_profiles (dual-write), so new and edited profiles are
-- already there. This copies every user that has no profile row yet.
-- ON CONFLICT DO NOTHING keeps rows written by dual-write (they are newer)
-- and makes the step safe to re-run. In production it ran in batches of
-- 10,000 ids (see PLAN.md); this file is the final catch-up pass.
--
-- Expected lifespan: permanent
-- Dependencies: dual-write deploy (api 2024.03.05) must be live
--
-- Related migrations:
-- - 20240110090000_create_users
--
-- ADR: 0015
--

INSERT INTO user_profiles (user_id, bio, avatar_url, settings, created_at, updated_at)
SELECT u.id, u.bio, u.avatar_url, u.settings, u.created_at, now()
FROM users AS u
ON CONFLICT (user_id) DO NOTHING;
