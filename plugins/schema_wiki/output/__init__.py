"""Output: what leaves the product besides pages: the JSON export and the
findings reports (text, JSON, GitHub annotations, SARIF)."""
