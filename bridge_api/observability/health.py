"""Readiness: the database answers and its schema is at the newest migration.

Liveness needs nothing (the process answers); readiness is what a load balancer asks before
sending traffic, and what a deployment waits for after a rollout: a bridge whose database is
down, or is behind the code's migrations (or ahead of them: an older image), is not ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic.script import ScriptDirectory
from psycopg.errors import UndefinedTable
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bridge_api.db.migrate import alembic_config


@dataclass(frozen=True, slots=True)
class Readiness:
    """The outcome of one check: ready, or why not."""

    ready: bool
    database: str
    """``ok`` or what failed."""
    revision: str | None
    """The database's revision (None when it has none or did not answer)."""
    head: str

    def as_json(self) -> dict[str, object]:
        """The body of ``/readyz``."""
        return {
            "ready": self.ready,
            "database": self.database,
            "revision": self.revision,
            "head": self.head,
        }


@cache
def head_revision() -> str:
    """The newest migration this code carries."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return ",".join(sorted(heads))


def check(session: Session) -> Readiness:
    """Ask the database for its revision; ready when it answers with the code's head."""
    head = head_revision()
    try:
        revisions = session.execute(text("SELECT version_num FROM alembic_version")).scalars()
        revision = ",".join(sorted(revisions)) or None
    except SQLAlchemyError as error:
        session.rollback()
        cause = getattr(error, "orig", None) or error
        if isinstance(cause, UndefinedTable):  # it answers, but was never migrated
            return Readiness(False, "ok", None, head)
        return Readiness(False, type(cause).__name__, None, head)
    if revision != head:
        return Readiness(False, "ok", revision, head)
    return Readiness(True, "ok", revision, head)
