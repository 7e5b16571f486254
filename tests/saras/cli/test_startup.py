"""The command line loads nothing heavy until a command runs, and fails one way."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import typer

from bridge_api.brokers.kite.sessions import NoKiteSession
from bridge_api.errors import Conflict
from bridge_api.execution.stops import RealMoneyDisabled, StaleBatch
from saras.cli.failures import BAD_INPUT, STOPPED, failures


def test_the_help_loads_neither_the_web_stack_nor_the_database_nor_the_broker():
    probe = (
        "import sys; from saras.cli import app; "
        "from typer.testing import CliRunner; CliRunner().invoke(app, ['--help']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'fastapi', 'sqlalchemy', 'psycopg', 'kiteconnect', 'numpy', 'rich', 'uvicorn'}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


@pytest.mark.parametrize(
    ("error", "code", "hint"),
    [
        (StaleBatch("batch 3 left executing"), STOPPED, "finish or fail that batch first"),
        (RealMoneyDisabled("kite is real money"), BAD_INPUT, "SARAS_REAL_MONEY=true"),
        (NoKiteSession("no valid Kite session"), STOPPED, "saras kite login"),
        (Conflict("already trued up"), BAD_INPUT, None),
    ],
)
def test_a_known_failure_is_one_line_a_hint_and_its_exit_code(
    error: Exception, code: int, hint: str | None, capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(typer.Exit) as stopped, failures("engine run"):
        raise error

    err = capsys.readouterr().err.splitlines()
    assert stopped.value.exit_code == code
    assert err[0] == f"saras engine run: {error}"
    assert (err[1:] and hint in err[1]) if hint else err[1:] == []


def test_a_bug_keeps_its_traceback():
    with pytest.raises(ZeroDivisionError), failures("engine run"):
        raise ZeroDivisionError("a bug")


def test_sigterm_stops_serve_and_the_embedded_postgresql_it_started(tmp_path: Path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SARAS_DATABASE_URL"}
    }
    env["SARAS_DATA_DIR"] = str(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = subprocess.Popen(
        [sys.executable, "-m", "saras", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    postmaster = tmp_path / "pgdata" / "postmaster.pid"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert serve.poll() is None, serve.stderr.read() if serve.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "saras serve did not start"
                time.sleep(0.3)
        assert postmaster.exists()
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        if serve.poll() is None:
            serve.kill()
    assert not postmaster.exists()
