"""Kill a ``saras worker`` process (SIGKILL) in the middle of a webhook delivery and start
another: every event reaches every channel of every recipient once; the delivery cut short
is sent again with the same idempotency key (the receiver keeps one)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bridge_api.db.models import InboxMessage, NotificationDelivery
from bridge_api.notifications.events import EventKind, notify
from bridge_api.notifications.preferences import update_preferences
from bridge_api.notifications.webhooks import IDEMPOTENCY_KEY
from tests.bridge_api.execution.support import worker_process
from tests.bridge_api.factories import make_user
from tests.bridge_api.notifications.conftest import Receiver
from tests.bridge_api.notifications.test_delivery import SECRET, _valid
from tests.logged import log_of

pytestmark = pytest.mark.integration
INVESTORS, PAYINS = 3, 3


def _statuses(sessions: sessionmaker[Session]) -> Counter[str]:
    with sessions() as session:
        return Counter(session.execute(select(NotificationDelivery.status)).scalars())


def _wait(condition, timeout: float, what: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}: {log_of(process)}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_a_worker_killed_mid_delivery_leaves_nothing_undelivered_or_doubled(
    committed, notify_settings, smtp_server, receivers, kill_moment
):
    _, mailbox = smtp_server
    hook = Receiver(hold=3.0)  # the first request is answered after 3 s: the kill lands in it
    receivers.append(hook)
    with committed() as session, session.begin():
        users = [make_user(session) for _ in range(INVESTORS)]
        for user in users:
            update_preferences(session, user, webhook_url=hook.url, webhook_secret=SECRET)
            for n in range(PAYINS):
                notify(
                    session,
                    EventKind.PAYIN_RECEIVED,
                    [user.id],
                    amount=f"{n + 1}000.00",
                    reference=f"UTR{user.id}-{n}",
                )
    events = INVESTORS * PAYINS

    victim = worker_process(committed)
    _wait(hook.first_arrived.is_set, 60, "the first webhook request", victim)
    time.sleep(kill_moment(0.0, 1.5))
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    cut_short = _statuses(committed)["sending"]
    restarted = worker_process(committed)
    _wait(lambda: _statuses(committed) == {"sent": 3 * events}, 90, "every delivery", restarted)
    restarted.send_signal(signal.SIGTERM)
    restarted.wait(timeout=30)

    assert victim.returncode == -signal.SIGKILL
    assert restarted.returncode == 0, log_of(restarted)
    assert cut_short == 1
    with committed() as session:
        per_channel = Counter(session.execute(select(NotificationDelivery.channel)).scalars())
        inbox = session.execute(select(func.count()).select_from(InboxMessage)).scalar_one()
    assert per_channel == {"email": events, "webhook": events, "inbox": events}
    assert inbox == events
    keys = Counter(r.headers[IDEMPOTENCY_KEY] for r in hook.requests)
    assert len(keys) == events  # what the receiver keeps: one per event
    assert keys[hook.requests[0].headers[IDEMPOTENCY_KEY]] == 2  # the one cut short, re-sent
    assert sum(keys.values()) == events + 1
    assert all(_valid(r) for r in hook.requests)
    message_ids = Counter(m["Message-ID"] for m in mailbox.messages)
    assert len(message_ids) == events
    assert max(message_ids.values()) == 1
