"""``saras corporate-actions``: NSE's file imported, an action entered, posted and cancelled by
an admin, and bad input refused with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.brokers.paper import PaperVenue
from bridge_api.db.models import AuditRecord
from bridge_api.demo.scenario import FIRST_DAY, SECOND_DAY
from bridge_api.ledger.reconciliation import compare, render
from tests.bridge_api.execution.support import INVESTORS, paper_day, ready_batch, saras

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).parents[3] / "data" / "corporate_actions" / "CF-CA-synthetic-sample.csv"
ADMIN = ("--by", "admin@saras.demo")


def test_an_admin_imports_enters_posts_and_cancels_actions(committed: sessionmaker[Session]):
    ready_batch(committed, INVESTORS, FIRST_DAY)
    assert paper_day(committed, FIRST_DAY)

    imported = saras(committed, "corporate-actions", "import", str(SAMPLE), *ADMIN)
    added = saras(
        committed,
        "corporate-actions",
        "add",
        "split",
        "HDFCBANK",
        "--ex-date",
        "2026-11-19",
        "--leg",
        "HDFCBANK:2:1:100",
        *ADMIN,
    )
    listed = saras(committed, "corporate-actions", "list")
    split_id = added.stdout.split()[1]
    PaperVenue(committed, session_day=SECOND_DAY).corporate_action("HDFCBANK", new=2, old=1)
    posted = saras(committed, "corporate-actions", "post", split_id, "--on", "2026-11-20", *ADMIN)
    no_credit = saras(committed, "corporate-actions", "post", "1", "--on", "2026-11-20", *ADMIN)
    cancelled = saras(
        committed, "corporate-actions", "cancel", "4", "--reason", "withdrawn", *ADMIN
    )
    bad_kind = saras(
        committed, "corporate-actions", "add", "gift", "ITC", "--ex-date", "2026-11-19", *ADMIN
    )
    bad_leg = saras(
        committed,
        "corporate-actions",
        "add",
        "split",
        "ITC",
        "--ex-date",
        "2026-11-19",
        "--leg",
        "ITC:two",
        *ADMIN,
    )
    nobody = saras(
        committed, "corporate-actions", "post", split_id, "--on", "2026-11-20", "--by", "x@y.z"
    )
    investor = saras(
        committed, "corporate-actions", "cancel", "3", "--reason", "x", "--by", "asha@saras.demo"
    )

    assert imported.returncode == 0, imported.stderr
    assert "Imported 4 actions; 0 already known; 3 lines not imported." in imported.stdout
    assert "not imported: line 7 RELIANCE (Rights 1:15" in imported.stdout
    assert added.returncode == 0, added.stderr
    assert "split HDFCBANK (2:1 HDFCBANK) ex 2026-11-19 record 2026-11-19: announced" in (
        added.stdout
    )
    assert listed.stdout.count("announced") == 5
    assert posted.returncode == 0, posted.stderr
    assert ": posted; the house's residue 0.00." in posted.stdout
    assert no_credit.returncode == 2
    assert "credited" in no_credit.stderr
    assert cancelled.returncode == 0, cancelled.stderr
    assert "bonus WIPRO" in cancelled.stdout
    assert (bad_kind.returncode, bad_leg.returncode, nobody.returncode) == (2, 2, 2)
    assert "KIND: one of dividend" in bad_kind.stderr
    assert "--leg: SYMBOL:NEW:OLD:COST_PERCENT" in bad_leg.stderr
    assert "--by: no user" in nobody.stderr
    assert investor.returncode == 2
    assert "only an active admin" in investor.stderr
    with committed() as session:
        after = compare(session, PaperVenue(committed, session_day=SECOND_DAY))
        audited = (
            session.execute(
                select(AuditRecord.action).where(AuditRecord.entity == "corporate_action")
            )
            .scalars()
            .all()
        )
    assert after.matches, render(after)
    assert audited.count("corporate_action.add") == 5
    assert audited.count("corporate_action.post") == 1
    assert audited.count("corporate_action.cancel") == 1
