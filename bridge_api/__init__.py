"""Saras bridge: the FastAPI app and its PostgreSQL ledger, users, smallcases and batches."""
