"""Tests on the real Redis and SQL (SQLite and PostgreSQL), without the whole stack."""
