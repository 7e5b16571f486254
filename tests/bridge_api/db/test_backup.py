"""Backup and restore in PostgreSQL's custom format: books built by the demo's two trading
days through the engine survive a round trip into a fresh database exactly; nothing is
half-written; a non-empty database is refused without --force; old client binaries are named."""

import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bridge_api.db import backup
from bridge_api.db.backup import ToolMissing, Tools
from bridge_api.demo.scenario import run_demo
from bridge_api.errors import Conflict, Invalid
from bridge_api.execution.ratelimit import RateLimits

FAST = RateLimits(per_second=1000, per_minute=100_000)
EMBEDDED = backup.tools(embedded=True)
CHECKS = {
    "unbalanced entries": "SELECT count(*) FROM (SELECT entry_id, asset FROM postings "
    "GROUP BY entry_id, asset HAVING sum(amount) <> 0) AS e",
    "balances off their postings": """
        SELECT count(*) FROM (
            SELECT account_id, asset, bucket::text, sum(amount) AS amount FROM postings
            GROUP BY account_id, asset, bucket HAVING sum(amount) <> 0
        ) AS p FULL JOIN (
            SELECT account_id, asset, bucket::text, amount FROM balances WHERE amount <> 0
        ) AS b USING (account_id, asset, bucket)
        WHERE p.amount IS DISTINCT FROM b.amount""",
    "lots off the holdings": """
        SELECT count(*) FROM (
            SELECT subscription_id, symbol, sum(open_quantity) AS shares FROM tax_lots
            GROUP BY subscription_id, symbol HAVING sum(open_quantity) <> 0
        ) AS l FULL JOIN (
            SELECT a.subscription_id, b.asset AS symbol, sum(b.amount) AS shares
            FROM balances b JOIN ledger_accounts a ON a.id = b.account_id
            WHERE a.subscription_id IS NOT NULL AND b.asset <> 'INR'
            GROUP BY a.subscription_id, b.asset HAVING sum(b.amount) <> 0
        ) AS h USING (subscription_id, symbol)
        WHERE l.shares IS DISTINCT FROM h.shares""",
}


def _uri(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def _counts(uri: str) -> dict[str, int]:
    """Rows per table, every schema but PostgreSQL's own."""
    with psycopg.connect(uri) as connection:
        tables = connection.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
            "AND schemaname NOT LIKE 'pg\\_temp\\_%' ORDER BY 1"
        ).fetchall()
        return {
            name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for (name,) in tables
        }


def _books(uri: str) -> dict[str, int]:
    with psycopg.connect(uri) as connection:
        return {name: connection.execute(query).fetchone()[0] for name, query in CHECKS.items()}


@pytest.fixture
def fresh(template_database):
    """An empty database on the same server: (its SQLAlchemy URL, its URI)."""
    template, admin = template_database
    name = f"saras_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(template).set(database=name).render_as_string(hide_password=False)
    yield url, _uri(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def traded(committed):
    """The demo's two trading days through the engine and the paper venue: (URL, URI)."""
    run_demo(committed, rate_limits=FAST)
    url = committed.kw["bind"].url.render_as_string(hide_password=False)
    return url, _uri(url)


def test_books_survive_a_round_trip_into_a_fresh_database_and_only_force_restores_over_them(
    traded, fresh, tmp_path
):
    (url, uri), (fresh_url, fresh_uri) = traded, fresh
    before = _counts(uri)
    assert before["public.postings"] > 0
    assert before["public.tax_lots"] > 0
    assert _books(uri) == dict.fromkeys(CHECKS, 0)
    told: list[tuple[int, int, str]] = []

    dumped = backup.backup(url, tmp_path / "books.dump", EMBEDDED, lambda *t: told.append(t))
    restored = backup.restore(fresh_url, dumped.path, EMBEDDED)

    assert _counts(fresh_uri) == before
    assert _books(fresh_uri) == dict.fromkeys(CHECKS, 0)
    assert dumped.tables == restored.tables == len(before)
    assert told[-1][:2] == (len(before), len(before))
    assert [done for done, _, _ in told] == list(range(1, len(before) + 1))
    assert sorted(os.listdir(tmp_path)) == ["books.dump"]

    with psycopg.connect(fresh_uri, autocommit=True) as connection:
        connection.execute("INSERT INTO alerts (kind, message, details) VALUES ('t', 'x', '{}')")
    with pytest.raises(Conflict, match="--force"):
        backup.restore(fresh_url, dumped.path, EMBEDDED)
    backup.restore(fresh_url, dumped.path, EMBEDDED, force=True)
    assert _counts(fresh_uri) == before


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_a_failed_dump_leaves_the_earlier_backup_and_no_partial_file(fresh, tmp_path):
    url, _ = fresh
    target = tmp_path / "books.dump"
    target.write_bytes(b"yesterday's backup")
    broken = _script(
        tmp_path / "pg_dump",
        'case "$1" in --version) echo "pg_dump (PostgreSQL) 18.0";; '
        '*) for a; do case "$a" in --file=*) echo half > "${a#--file=}";; esac; done; '
        'echo "pg_dump: error: connection lost" >&2; exit 1;; esac',
    )

    with pytest.raises(Invalid, match="connection lost"):
        backup.backup(url, target, Tools(broken, EMBEDDED.pg_restore, "PATH"))

    assert target.read_bytes() == b"yesterday's backup"
    assert sorted(os.listdir(tmp_path)) == ["books.dump", "pg_dump"]


def test_client_binaries_older_than_the_server_are_named_before_anything_runs(fresh, tmp_path):
    url, _ = fresh
    old = _script(tmp_path / "pg_dump", 'echo "pg_dump (PostgreSQL) 15.20"')

    with pytest.raises(ToolMissing, match=r"PostgreSQL 15, older than the server \(1[0-9]\)"):
        backup.backup(url, tmp_path / "books.dump", Tools(old, old, "PATH"))

    assert not (tmp_path / "books.dump").exists()


def test_a_file_that_is_not_a_dump_is_refused(fresh, tmp_path):
    fresh_url, _ = fresh
    junk = tmp_path / "junk.dump"
    junk.write_text("not a dump")

    with pytest.raises(Invalid, match="not a PostgreSQL custom-format dump"):
        backup.restore(fresh_url, junk, EMBEDDED)


@pytest.mark.integration
def test_the_commands_back_up_and_restore_with_the_client_on_path(traded, fresh, tmp_path):
    (url, uri), (fresh_url, fresh_uri) = traded, fresh
    path = f"{EMBEDDED.pg_dump.parent}{os.pathsep}{os.environ['PATH']}"

    def saras(database: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": database, "PATH": path}
        env.pop("SARAS_DATABASE_URL", None)
        return subprocess.run(
            [sys.executable, "-m", "saras", "db", *arguments],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    made = saras(url, "backup", str(tmp_path / "books.dump"))
    assert made.returncode == 0, made.stderr
    assert "backed up" in made.stdout
    assert "dumping" in made.stderr  # the progress, one line per table off a terminal
    loaded = saras(fresh_url, "restore", str(tmp_path / "books.dump"))
    assert loaded.returncode == 0, loaded.stderr
    refused = saras(fresh_url, "restore", str(tmp_path / "books.dump"))

    assert refused.returncode == 2
    assert refused.stderr.startswith("saras db restore: the database has")
    assert _counts(fresh_uri) == _counts(uri)
