-- Migration: Document invoices columns
-- Date: 2025-01-16
-- Author: Carol (@carol)
-- Ticket: BILL-388
--
-- Context:
-- ADR 0014 made COMMENT ON the source of schema documentation, and the
-- schema wiki's CI check now reports undocumented columns. The invoices
-- table predates that decision: only user_id and amount_cents had
-- comments. This migration only adds comments; it changes no data and
-- takes no lock that matters.
--
-- Expected lifespan: permanent
-- Dependencies: none
--
-- Related migrations:
-- - 20240125100000_create_invoices
--
-- ADR: 0014
--

COMMENT ON TABLE invoices IS
  'Invoices issued to users, one row per invoice. Owned by the Billing Service team (Team B); amounts are never updated after status leaves draft, corrections are new invoices.';
COMMENT ON COLUMN invoices.number IS
  'Human-readable invoice number printed on the PDF, e.g. INV-2025-000123. Unique, gapless per year (a legal requirement).';
COMMENT ON COLUMN invoices.currency IS
  'ISO 4217 currency code of amount_cents, upper case. EUR unless the customer is billed in their local currency.';
COMMENT ON COLUMN invoices.status IS
  'draft: editable, not sent; open: sent, awaiting payment; paid; void: cancelled before payment; uncollectible: written off after dunning.';
COMMENT ON COLUMN invoices.issued_at IS
  'When the invoice was finalised and sent (status left draft). NULL while draft.';
COMMENT ON COLUMN invoices.due_at IS
  'Payment deadline, normally issued_at + 14 days. Dunning e-mails start the day after.';
COMMENT ON COLUMN invoices.paid_at IS
  'When the payment provider confirmed payment. NULL unless status is paid.';
