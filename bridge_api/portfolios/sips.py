"""SIPs: a weekly or monthly investment into a smallcase subscription from the investor's free
cash (a pay-in mandate is outside Saras), on NSE's calendar.

A SIP is due on a calendar date (a weekday each week, or a day of the month, 1 to 28); it runs
on the first session on or after that date. `run_due_sips` (the scheduler's daily call) tops
up the subscription for each due SIP, or records why it skipped: free cash short, an exit
pending, the subscription closed, and tells the investor so (`sip_skipped`, in the same
transaction). Dues the scheduler missed are recorded as skipped, and only the latest runs.
A paused SIP runs nothing; resumed, it is next due on its first date from the day it resumes.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge_api.calendar import is_session, next_session
from bridge_api.db.models import (
    Bucket,
    Sip,
    SipFrequency,
    SipRun,
    SipStatus,
    Smallcase,
    Subscription,
    SubscriptionKind,
    User,
)
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict, DomainError, Invalid, NotFound
from bridge_api.ledger.service import balance, check_amount, investor_account
from bridge_api.notifications.events import EventKind, notify
from bridge_api.portfolios import intents

MONTH_DAYS = 28
"""A monthly SIP is due on day 1 to 28, a day every month has."""


def first_due(frequency: SipFrequency, day_of_period: int, on_or_after: date) -> date:
    """The first calendar date on or after `on_or_after` a SIP is due."""
    if frequency is SipFrequency.WEEKLY:
        return on_or_after + timedelta(days=(day_of_period - on_or_after.weekday()) % 7)
    due = on_or_after.replace(day=day_of_period)
    if due < on_or_after:
        year, month = (due.year + 1, 1) if due.month == 12 else (due.year, due.month + 1)
        due = date(year, month, day_of_period)
    return due


def run_day(due: date) -> date:
    """The session a due date runs on: itself, or the next session when NSE is shut."""
    return due if is_session(due) else next_session(due)


def start(
    session: Session,
    user: User,
    *,
    subscription_id: int,
    amount: Decimal,
    frequency: SipFrequency,
    day_of_period: int,
    today: date,
) -> Sip:
    """Start a SIP into the investor's own smallcase subscription, first due from `today`."""
    check_amount(amount)
    subscription = intents.own_subscription(session, user, subscription_id)
    if subscription.kind is not SubscriptionKind.SMALLCASE:
        raise Invalid("a SIP invests in a smallcase subscription")
    weekly = frequency is SipFrequency.WEEKLY
    if not (0 <= day_of_period <= 4 if weekly else 1 <= day_of_period <= MONTH_DAYS):
        raise Invalid(
            "a weekly SIP is due on a weekday (0 Monday to 4 Friday); a monthly one on day 1-28",
            errors=[{"field": "day", "message": "out of range for the frequency"}],
        )
    sip = Sip(
        subscription_id=subscription.id,
        amount=amount,
        frequency=frequency,
        day_of_period=day_of_period,
        next_on=first_due(frequency, day_of_period, today),
        status=SipStatus.ACTIVE,
    )
    session.add(sip)
    session.flush()
    return sip


def own(session: Session, user: User, sip_id: int) -> Sip:
    """The investor's own SIP (anyone else's is indistinguishable from none)."""
    sip = session.get(Sip, sip_id, with_for_update=True)
    if sip is None:
        raise NotFound(f"no SIP {sip_id}")
    intents.own_subscription(session, user, sip.subscription_id)
    return sip


def pause(session: Session, user: User, sip_id: int) -> Sip:
    """Pause a SIP: nothing runs until it is resumed."""
    sip = own(session, user, sip_id)
    if sip.status is not SipStatus.ACTIVE:
        raise Conflict(f"SIP {sip_id} is {sip.status}, not active")
    sip.status = SipStatus.PAUSED
    return sip


def resume(session: Session, user: User, sip_id: int, *, today: date) -> Sip:
    """Resume a paused SIP; it is next due on its first date from `today`."""
    sip = own(session, user, sip_id)
    if sip.status is not SipStatus.PAUSED:
        raise Conflict(f"SIP {sip_id} is {sip.status}, not paused")
    sip.status = SipStatus.ACTIVE
    sip.next_on = first_due(sip.frequency, sip.day_of_period, today)
    return sip


def stop(session: Session, user: User, sip_id: int) -> Sip:
    """Stop a SIP for good."""
    sip = own(session, user, sip_id)
    sip.status = SipStatus.STOPPED
    return sip


def run_due_sips(session: Session, day: date) -> list[SipRun]:
    """Run every active SIP whose due date's session is on or before `day`: a top-up intent
    from the investor's free settled cash, dated `day`, or a run recording why it skipped."""
    runs = []
    due = session.execute(
        select(Sip)
        .where(Sip.status == SipStatus.ACTIVE, Sip.next_on <= day)
        .order_by(Sip.id)
        .with_for_update(skip_locked=True)
    ).scalars()
    for sip in due:
        dates = []
        while run_day(sip.next_on) <= day:
            dates.append(sip.next_on)
            sip.next_on = first_due(sip.frequency, sip.day_of_period, sip.next_on + timedelta(1))
        if not dates:
            continue
        subscription = session.get_one(Subscription, sip.subscription_id)
        user = session.get_one(User, subscription.user_id)
        free = balance(session, investor_account(session, user.id), CASH, Bucket.SETTLED)
        for missed in dates[:-1]:
            reason = f"missed: not run on {run_day(missed)}"
            runs.append(_run(session, sip, missed, day, skipped=reason))
            _tell_skipped(
                session, sip, subscription=subscription, due_on=missed, reason=reason, free=free
            )
        runs.append(
            _invest(
                session,
                sip,
                subscription=subscription,
                user=user,
                due_on=dates[-1],
                day=day,
                free=free,
            )
        )
    session.flush()
    return runs


def _invest(
    session: Session,
    sip: Sip,
    *,
    subscription: Subscription,
    user: User,
    due_on: date,
    day: date,
    free: Decimal,
) -> SipRun:
    reason = None
    if free < sip.amount:
        reason = f"cash short: free {free}, SIP {sip.amount}"
    else:
        try:
            with session.begin_nested():
                intent = intents.topup(
                    session, user, subscription_id=sip.subscription_id, amount=sip.amount, on=day
                )
        except DomainError as error:
            reason = str(error)[:200]
    if reason is not None:
        _tell_skipped(
            session, sip, subscription=subscription, due_on=due_on, reason=reason, free=free
        )
        return _run(session, sip, due_on, day, skipped=reason)
    return _run(session, sip, due_on, day, intent_id=intent.id)


def _tell_skipped(
    session: Session,
    sip: Sip,
    *,
    subscription: Subscription,
    due_on: date,
    reason: str,
    free: Decimal,
) -> None:
    """Tell the investor a due SIP did not run, why, and their free cash against its amount."""
    smallcase = session.get(Smallcase, subscription.smallcase_id)
    notify(
        session,
        EventKind.SIP_SKIPPED,
        [subscription.user_id],
        dedupe_key=f"sip-skipped-{sip.id}-{due_on.isoformat()}",
        sip=sip.id,
        subscription_id=subscription.id,
        smallcase=smallcase.name if smallcase else f"subscription {subscription.id}",
        amount=str(sip.amount),
        free=str(free),
        reason="free cash short" if reason.startswith("cash short") else reason,
        due_on=due_on.isoformat(),
        next_on=run_day(sip.next_on).isoformat(),
    )


def _run(
    session: Session,
    sip: Sip,
    due_on: date,
    day: date,
    *,
    skipped: str | None = None,
    intent_id: int | None = None,
) -> SipRun:
    run = SipRun(sip_id=sip.id, due_on=due_on, run_on=day, skipped=skipped, intent_id=intent_id)
    session.add(run)
    return run
