"""Readers of the three sources: migrations, ADRs and the live catalog."""
