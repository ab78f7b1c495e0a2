-- Migration: Create invoices table
-- Date: 2024-01-25
-- Author: Carol (@carol)
-- Ticket: BILL-210
--
-- Context:
-- The Billing Service (Team B) shares the users database. Invoices belong
-- to a user, so they live next to users and reference users.id. Billing
-- owns this table; the User Service team reviewed the foreign key.
--
-- Expected lifespan: permanent
-- Dependencies: billing-api v2 deploy (writes invoices)
--
-- Related migrations:
-- - 20240110090000_create_users
--

CREATE TABLE invoices (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    number       varchar(20) NOT NULL,
    amount_cents bigint NOT NULL,
    currency     char(3) NOT NULL DEFAULT 'EUR',
    status       text NOT NULL DEFAULT 'draft',
    issued_at    timestamptz,
    due_at       timestamptz,
    paid_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoices_number_key UNIQUE (number),
    CONSTRAINT invoices_amount_cents_check CHECK (amount_cents >= 0),
    CONSTRAINT invoices_status_check CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible'))
);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_invoices_user_id ON invoices (user_id);

COMMENT ON TABLE invoices IS
  'Invoices issued to users. Owned by the Billing Service team (Team B).';
COMMENT ON COLUMN invoices.user_id IS
  'The user billed. Users with invoices cannot be deleted (ON DELETE RESTRICT); they are anonymised instead.';
COMMENT ON COLUMN invoices.amount_cents IS
  'Total including VAT, in the smallest unit of currency (cents for EUR).';
