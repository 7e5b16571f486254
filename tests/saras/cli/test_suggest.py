"""``saras suggest``: a proposal for the universe or a smallcase (kept for its manager), the
walk-forward table, and bad input refused in one line with exit 2."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.db.models import Suggestion
from bridge_api.demo.scenario import FIRST_DAY
from tests.bridge_api.execution.support import INVESTORS, ready_batch, saras

pytestmark = pytest.mark.integration


def test_propose_and_evaluate_on_the_sample_bars(committed: sessionmaker[Session]):
    ready_batch(committed, INVESTORS, FIRST_DAY)  # the demo's smallcases and people

    universe = saras(committed, "suggest", "propose", "--size", "6", "--as-of", "2026-10-30")
    kept = saras(committed, "suggest", "propose", "--smallcase", "Nifty Leaders", "--json")
    table = saras(committed, "suggest", "evaluate")
    figures = saras(committed, "suggest", "evaluate", "--json", "--size", "5")
    nobody = saras(committed, "suggest", "propose", "--smallcase", "Nope")
    someday = saras(committed, "suggest", "propose", "--as-of", "someday")

    assert universe.returncode == 0, universe.stderr
    assert universe.stdout.startswith("SYNTHETIC DATA")
    assert "Proposal, as of 2026-10-30: 6 of 30 symbols" in universe.stdout
    assert universe.stdout.count("  add    ") == 6
    assert kept.returncode == 0, kept.stderr
    shown = json.loads(kept.stdout)
    assert shown["smallcase"] == "Nifty Leaders"
    assert shown["synthetic_data"] is True
    with committed() as session:
        row = session.execute(select(Suggestion)).scalar_one()
    assert row.id == shown["id"]
    assert row.weights == {
        line["symbol"]: line["weight"] for line in shown["lines"] if line["weight"]
    }
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("SYNTHETIC DATA")
    assert "equal weight" in table.stdout
    evaluation = json.loads(figures.stdout)
    assert [s["name"] for s in evaluation["statistics"]] == [
        "model and factors",
        "factors only",
        "equal weight",
    ]
    assert all(len(p["chosen"]) == 5 for p in evaluation["periods"])
    assert (nobody.returncode, nobody.stdout) == (2, "")
    assert nobody.stderr == "saras suggest propose: --smallcase: no smallcase 'Nope'\n"
    assert (someday.returncode, someday.stdout) == (2, "")
    assert "--as-of: not a date" in someday.stderr
