-- Migration: Create users table
-- Date: 2024-01-10
-- Author: Bob (@bob)
-- Ticket: PROJ-1101
--
-- Context:
-- First table of the users service. It holds everything the service knows
-- about a person: the credentials used at login and the public profile
-- shown next to their posts. Profile fields live here for now; if the row
-- gets wide we will revisit (it did, see ADR 0015).
--
-- Expected lifespan: permanent
-- Dependencies: none
--

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL,
    username      varchar(50) NOT NULL,
    password_hash text NOT NULL,
    bio           text,
    avatar_url    text,
    settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_username_key UNIQUE (username)
);

COMMENT ON TABLE users IS
  'One row per person with an account. Owned by the User Service team (Team A); other teams read it but never write it.';
COMMENT ON COLUMN users.email IS
  'Login e-mail address, stored lower-cased by the application. Unique. Changing it requires re-verification.';
COMMENT ON COLUMN users.username IS
  'Public, unique name shown on posts and used in profile URLs. 3 to 50 characters, letters, digits and underscores.';
COMMENT ON COLUMN users.password_hash IS
  'Argon2id hash of the password in PHC string format. Never the password itself; never logged.';
COMMENT ON COLUMN users.bio IS
  'Free-text self description shown on the profile page. Optional, at most 1000 characters (enforced by the application).';
COMMENT ON COLUMN users.avatar_url IS
  'HTTPS URL of the profile picture on the media CDN. NULL shows the default avatar.';
COMMENT ON COLUMN users.settings IS
  'Per-user UI preferences as a JSON object (theme, language, e-mail digest frequency). Unknown keys are ignored.';
