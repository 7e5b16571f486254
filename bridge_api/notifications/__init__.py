"""Notification jobs, enqueued on the PostgreSQL task queue in the transaction that causes
them (delivery channels come later)."""
