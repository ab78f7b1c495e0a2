-- Migration: Create notifications table
-- Date: 2024-02-22
-- Author: Bob (@bob)
-- Ticket: PROJ-1262
--
-- Context:
-- Notifications were sent fire-and-forget from the API process; failed
-- sends were lost and the web app could not show an inbox. The new
-- notifier worker takes rows in status pending, sends them and records
-- the outcome, and the inbox lists a user's most recent rows. The inbox
-- query filters on user_id and sorts by created_at, hence the index.
--
-- Expected lifespan: permanent
-- Dependencies: notifier worker (deployed after this migration)
--
-- Related migrations:
-- - 20240110090000_create_users
-- - 20240220140000_add_phone_to_users
--

CREATE TYPE notification_status AS ENUM ('pending', 'sent', 'failed', 'read');

CREATE TABLE notifications (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel    text NOT NULL,
    kind       varchar(64) NOT NULL,
    payload    jsonb NOT NULL DEFAULT '{}'::jsonb,
    status     notification_status NOT NULL DEFAULT 'pending',
    attempts   integer NOT NULL DEFAULT 0,
    sent_at    timestamptz,
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notifications_channel_check CHECK (channel IN ('email', 'sms', 'push'))
);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notifications_user_id_created_at ON notifications (user_id, created_at DESC);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_notifications_pending ON notifications (created_at) WHERE status = 'pending';

COMMENT ON TYPE notification_status IS
  'Life cycle of a notification: pending -> sent -> read, or pending -> failed after the last retry.';
COMMENT ON TABLE notifications IS
  'Messages to users (e-mail, SMS, push) and their delivery state. Written by the API, sent by the notifier worker, listed in the web inbox. Rows older than 90 days are deleted nightly.';
COMMENT ON COLUMN notifications.user_id IS
  'Recipient. Notifications are deleted with their user.';
COMMENT ON COLUMN notifications.channel IS
  'Delivery channel: email, sms (needs users.phone) or push.';
COMMENT ON COLUMN notifications.kind IS
  'Template key, e.g. password_reset or invoice_due. Selects the template and the inbox icon.';
COMMENT ON COLUMN notifications.payload IS
  'Template variables as a JSON object. Must not contain secrets: it is shown in the inbox.';
COMMENT ON COLUMN notifications.status IS
  'Delivery state, see type notification_status. The worker only picks up pending rows.';
COMMENT ON COLUMN notifications.attempts IS
  'Number of send attempts so far. The worker gives up and sets status failed after 5.';
COMMENT ON COLUMN notifications.sent_at IS
  'When the channel provider accepted the message. NULL until sent.';
COMMENT ON COLUMN notifications.read_at IS
  'When the user opened it in the inbox. NULL while unread; e-mail and SMS are never marked read.';
