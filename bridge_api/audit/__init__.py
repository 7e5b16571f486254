"""The append-only audit log of manager and admin actions."""
