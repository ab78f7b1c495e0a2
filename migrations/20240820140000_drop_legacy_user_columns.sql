-- Migration: Drop legacy_id and legacy_user_mapping
-- Date: 2024-08-20
-- Author: Alice (@alice)
-- Ticket: PROJ-1490
--
-- Context:
-- The migration from the legacy user system is complete (ADR 0013). The
-- legacy system went read-only on 2024-07-01, the legacy_sync job ran
-- for the last time on 2024-08-09, and the reconciliation report has shown
-- zero conflicts for four weeks. Nothing reads users.legacy_id or
-- legacy_user_mapping any more (pg_stat_statements, 14 days). Both were
-- announced as removable after 2024-08-15. The index is dropped
-- CONCURRENTLY first so that dropping the column takes only a short lock.
-- A CSV export of the mapping is kept in the compliance bucket for 2 years.
--
-- Expected lifespan: permanent
-- Dependencies: legacy_sync job removed (deploy 2024-08-12)
--
-- Related migrations:
-- - 20240215100000_add_legacy_id_to_users
-- - 20240220150000_create_legacy_user_mapping
--
-- ADR: 0013
--

DROP INDEX CONCURRENTLY IF EXISTS idx_users_legacy_id;

ALTER TABLE users DROP COLUMN IF EXISTS legacy_id;

DROP TABLE IF EXISTS legacy_user_mapping;
