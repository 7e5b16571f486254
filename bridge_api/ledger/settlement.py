"""T+1 settlement: the unsettled cash and shares of earlier days become settled.

NSE settles a trade on the next clearing day T+1 (weekends and exchange holidays do not
count). Cash: a sale's proceeds settle on T+1 (the pay-out then makes them withdrawable).
Shares: a buy's shares are credited to the demat account through T+1's pay-out, so during T+1
the broker still holds them as T1 (selling them then gives credit only the next day); they are
settled from the session after T+1. So on day D (`as_of`, the last session on or before it),
an unsettled cash posting is due when its entry is dated before D, a share posting when its
entry is dated before the session before D.

What is settled is each account's due postings of each asset in each entry, once: per account
and asset they are netted (a day's buy may have spent that day's unsettled sale proceeds, so
only the net can move without taking a book below zero) and moved to settled by one settlement
entry. An investor's or subscription's book that cannot settle (its net would take a bucket
below zero) is left for a later run and alerted; the others settle.

`settle` is idempotent: what it settled is linked once per (entry, account, asset) in
`account_settlements`, and a transaction-scoped advisory lock serialises concurrent runs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from bridge_api import logs
from bridge_api.calendar import latest_session
from bridge_api.db.copy import copy_rows
from bridge_api.db.models import (
    AccountSettlement,
    Balance,
    Bucket,
    Cause,
    JournalEntry,
    LedgerAccount,
    LedgerKind,
    Posting,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.ledger.service import Leg, among, post
from bridge_api.notifications.alerts import open_alerts, raise_alert

LOCK = 0x5A_5345_54  # "ZSET": one settlement at a time, whatever process runs it
_GUARDED = (LedgerKind.INVESTOR, LedgerKind.SUBSCRIPTION)
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Settlement:
    """What one run settled."""

    as_of: date
    entry_id: int | None = None
    """The settlement entry (None when nothing had to move)."""
    entries: int = 0
    accounts: int = 0
    refused: dict[str, str] = field(default_factory=dict)
    """Books left unsettled this run, and why (each alerted)."""


def settle(session: Session, *, today: date) -> Settlement:
    """Settle everything due on `today` (see the module doc)."""
    session.execute(select(func.pg_advisory_xact_lock(LOCK)))
    as_of = latest_session(today)
    shares_before = latest_session(as_of - timedelta(days=1))
    rows = session.execute(
        select(Posting.entry_id, Posting.account_id, Posting.asset, func.sum(Posting.amount))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            or_(
                and_(Posting.asset == CASH, JournalEntry.effective_on < as_of),
                and_(Posting.asset != CASH, JournalEntry.effective_on < shares_before),
            ),
            JournalEntry.cause != Cause.SETTLEMENT,
            Posting.bucket == Bucket.UNSETTLED,
            ~exists().where(
                AccountSettlement.entry_id == Posting.entry_id,
                AccountSettlement.account_id == Posting.account_id,
                AccountSettlement.asset == Posting.asset,
            ),
        )
        .group_by(Posting.entry_id, Posting.account_id, Posting.asset)
    ).all()
    if not rows:
        return Settlement(as_of=as_of)
    net: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    pairs: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for entry_id, account, asset, amount in rows:
        net[(account, asset)] += amount
        pairs[account].add((entry_id, asset))
    refused = _refused(session, net)
    legs = []
    moved: set[tuple[int, str]] = set()
    for (account, asset), amount in sorted(net.items()):
        if amount and account not in refused:
            legs += [
                Leg(account, asset, -amount, Bucket.UNSETTLED),
                Leg(account, asset, amount, Bucket.SETTLED),
            ]
            moved.add((account, asset))
    settled = {a: keys for a, keys in pairs.items() if a not in refused}
    entries = {entry_id for keys in settled.values() for entry_id, _ in keys}
    entry = None
    if legs:
        entry = post(
            session,
            cause=Cause.SETTLEMENT,
            legs=legs,
            effective_on=as_of,
            memo=f"T+1 settlement of {len(entries)} entries dated before {as_of}",
        )
    copy_rows(
        session,
        "account_settlements",
        ("entry_id", "account_id", "asset", "settlement_id"),
        (
            (entry_id, account, asset, entry.id if (account, asset) in moved and entry else None)
            for account, keys in sorted(settled.items())
            for entry_id, asset in sorted(keys)
        ),
    )
    result = Settlement(
        as_of=as_of,
        entry_id=entry.id if entry is not None else None,
        entries=len(entries),
        accounts=len(settled),
        refused=_alert(session, refused, as_of),
    )
    logs.event(
        log,
        logging.WARNING if result.refused else logging.INFO,
        "settled",
        f"settled {result.entries} entries of {result.accounts} books due by {as_of}"
        + (f"; {len(result.refused)} books left unsettled" if result.refused else ""),
        {"as_of": as_of, "entries": result.entries, "accounts": result.accounts},
    )
    return result


def _refused(session: Session, net: dict[tuple[int, str], Decimal]) -> dict[int, tuple[str, str]]:
    """The investors' and subscriptions' books whose net would take a bucket below zero."""
    guarded = dict(
        session.execute(
            select(LedgerAccount.id, LedgerAccount.name).where(
                among(LedgerAccount.id, {account for account, _ in net}),
                LedgerAccount.kind.in_(_GUARDED),
            )
        ).all()
    )
    if not guarded:
        return {}
    held: dict[tuple[int, str, Bucket], Decimal] = defaultdict(Decimal)
    for account, asset, bucket, amount in session.execute(
        select(Balance.account_id, Balance.asset, Balance.bucket, Balance.amount).where(
            among(Balance.account_id, guarded)
        )
    ):
        held[(account, asset, bucket)] = amount
    refused: dict[int, tuple[str, str]] = {}
    for (account, asset), amount in sorted(net.items()):
        if account not in guarded or not amount:
            continue
        unsettled = held[(account, asset, Bucket.UNSETTLED)] - amount
        settled = held[(account, asset, Bucket.SETTLED)] + amount
        if unsettled < 0 or settled < 0:
            refused[account] = (
                guarded[account],
                f"settling {amount} {asset} would leave {unsettled} unsettled and {settled} "
                "settled",
            )
    return refused


def _alert(session: Session, refused: dict[int, tuple[str, str]], as_of: date) -> dict[str, str]:
    """One open alert per book that could not settle; returns the refusals by book name."""
    known = {a.details.get("account_id") for a in open_alerts(session, "settlement")}
    for account, (name, why) in sorted(refused.items()):
        if account not in known:
            raise_alert(
                session,
                "settlement",
                f"T+1 settlement by {as_of} left {name} unsettled ({why}); the other books "
                "settled, this one waits for a correction",
                account_id=account,
            )
    return dict(refused.values())
