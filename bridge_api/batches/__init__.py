"""Batches: sizing participants into the allocation table, and their lifecycle."""
