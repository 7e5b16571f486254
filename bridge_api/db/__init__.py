"""Database layer: typed models, sessions, the embedded server and Alembic migrations."""
