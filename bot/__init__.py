"""ALMAS Assistant engine: everything but HTTP (no Flask here)."""
