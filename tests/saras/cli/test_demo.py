"""The README's main command, with --no-serve, end to end in a subprocess."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import Engine

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("broker", "market"), [("paper", "paper venue"), ("fake-kite", "Kite (fake server)")]
)
def test_saras_demo_runs_trades_and_reconciles(engine: Engine, broker: str, market: str):
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("SARAS_DATABASE_URL", None)

    result = subprocess.run(
        [sys.executable, "-m", "saras", "demo", "--no-serve", "--broker", broker],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = " ".join(result.stdout.split())
    assert result.returncode == 0, result.stderr
    assert "Reconciliation OK" in output
    assert f"the {market} holds" in output
    assert "the ledger sums to zero per asset: True" in output
    for investor in ("asha@saras.demo", "vikram@saras.demo", "meera@saras.demo"):
        assert investor in output
