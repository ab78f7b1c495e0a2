-- Migration: Split users table, step 1 of 4: create user_profiles
-- Date: 2024-03-01
-- Author: Alice (@alice)
-- Ticket: PROJ-1301
--
-- Context:
-- First step of the split decided in ADR 0015. Creates the empty
-- user_profiles table. Nothing reads or writes it yet; next week's deploy
-- makes the application write profile fields to both tables (dual-write).
-- The foreign key to users is added in step 3, once the backfill is done,
-- so that it can be validated without blocking writes.
--
-- Expected lifespan: permanent
-- Dependencies: none
--
-- Related migrations:
-- - 20240110090000_create_users
--
-- ADR: 0015
--

CREATE TABLE IF NOT EXISTS user_profiles (
    user_id    bigint PRIMARY KEY,
    bio        text,
    avatar_url text,
    settings   jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE user_profiles IS
  'Public profile and preferences of a user, one row per user. Split out of users (ADR 0015) so that the auth path reads narrow rows.';
COMMENT ON COLUMN user_profiles.user_id IS
  'The user this profile belongs to; also the primary key (exactly one profile per user).';
COMMENT ON COLUMN user_profiles.bio IS
  'Free-text self description shown on the profile page. Optional, at most 1000 characters (enforced by the application). Moved from users.bio.';
COMMENT ON COLUMN user_profiles.avatar_url IS
  'HTTPS URL of the profile picture on the media CDN. NULL shows the default avatar. Moved from users.avatar_url.';
COMMENT ON COLUMN user_profiles.settings IS
  'Per-user UI preferences as a JSON object (theme, language, e-mail digest frequency). Unknown keys are ignored. Moved from users.settings.';
COMMENT ON COLUMN user_profiles.updated_at IS
  'Last time the user edited their profile. Set by the application on every write; used for avatar cache busting.';
