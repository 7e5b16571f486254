"""The batch routes beyond create and approve: repair."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.bridge_api.batch_life import (
    make_investors,
    run_batch,
)
from tests.bridge_api.factories import auth


def test_a_partially_completed_batch_is_repaired_by_a_new_batch_for_what_is_left(
    client: TestClient, session: Session
):
    _, manager, smallcase, (_investor,) = make_investors(client, session, ["90000.00"])
    preview = client.post(
        "/batches", headers=auth(manager), json={"smallcase_id": smallcase}
    ).json()
    client.post(f"/batches/{preview['id']}/cancel", headers=auth(manager))
    first = sorted({t["symbol"] for t in preview["targets"]})[0]
    detail = run_batch(
        client, session, manager, smallcase, short={f"b{preview['id'] + 1}-{first}-BUY": 1}
    )

    repair = client.post(f"/batches/{detail['id']}/repair", headers=auth(manager))

    assert repair.status_code == 201
    rows = repair.json()["targets"]
    assert {r["symbol"] for r in rows if r["target"] != r["holding"]} == {first}
    assert repair.json()["state"] == "draft"
