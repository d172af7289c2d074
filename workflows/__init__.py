"""Temporal workflows: deterministic, no I/O. Side effects happen in `activities/`."""
