-- Billing's monthly report (Team B): open amounts per user.
SELECT u.handle, sum(i.amount_cents) AS open_cents
FROM invoices i
JOIN users u ON u.id = i.user_id
WHERE i.status = 'open'
GROUP BY u.handle;
