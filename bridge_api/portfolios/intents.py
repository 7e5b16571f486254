"""Investors' requests: each becomes a pending intent that joins the next batch.

Cash is earmarked when the intent is made (invest, top up, buy), so a batch never finds a
subscription without the money its buys need; a sell or an exit needs the shares to be there.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from allocator.pricing import Rate, buy_limit, with_reserve_ceil
from bridge_api.config import get_settings
from bridge_api.db.models import (
    BatchParticipant,
    Bucket,
    Intent,
    IntentKind,
    IntentStatus,
    JournalEntry,
    ProposalStatus,
    Smallcase,
    SmallcaseStatus,
    Subscription,
    SubscriptionKind,
    SubscriptionStatus,
    User,
)
from bridge_api.errors import Conflict, Invalid, NotFound
from bridge_api.ledger.service import balance, check_amount, holdings, subscription_account
from bridge_api.market.prices import latest_closes, tick_sizes
from bridge_api.portfolios import drift
from bridge_api.portfolios.cash import earmark, release
from bridge_api.smallcases import service as smallcases
from bridge_api.users.service import require_verified_kyc


def own_subscription(
    session: Session, user: User, subscription_id: int, *, lock: bool = False
) -> Subscription:
    """The user's own subscription; anyone else's is indistinguishable from none (404)."""
    subscription = session.get(Subscription, subscription_id, with_for_update=lock)
    if subscription is None or subscription.user_id != user.id:
        raise NotFound(f"no subscription {subscription_id}")
    return subscription


def invest(
    session: Session, user: User, *, smallcase_id: int, amount: Decimal, on: date | None = None
) -> Intent:
    """Subscribe to a published smallcase with at least its minimum investment (its cash
    earmarked on `on`, default today; a simulation passes its own day)."""
    require_verified_kyc(session, user)
    check_amount(amount)
    smallcase = session.get(Smallcase, smallcase_id)
    if smallcase is None or smallcase.status is not SmallcaseStatus.PUBLISHED:
        raise NotFound(f"no published smallcase {smallcase_id}")
    latest = smallcases.composition(session, smallcase.id)
    minimum = smallcases.minimum_investment(session, latest.fractions())
    if minimum is None or amount < minimum:
        raise Invalid(
            f"the minimum investment is {minimum}",
            errors=[{"field": "amount", "message": f"must be at least {minimum}, was {amount}"}],
        )
    existing = session.execute(
        select(Subscription.id).where(
            Subscription.user_id == user.id,
            Subscription.smallcase_id == smallcase.id,
            Subscription.status == SubscriptionStatus.ACTIVE,
        )
    ).first()
    if existing is not None:
        raise Conflict(f"already subscribed (subscription {existing.id}); top it up instead")
    subscription = Subscription(
        user_id=user.id,
        kind=SubscriptionKind.SMALLCASE,
        smallcase_id=smallcase.id,
        version_id=latest.version.id,
    )
    session.add(subscription)
    session.flush()
    subscription_account(session, subscription.id)
    earmark(session, user, subscription.id, amount, f"invest in {smallcase.name}", on=on)
    return _intent(session, subscription, IntentKind.INVEST, amount=amount)


def topup(
    session: Session, user: User, *, subscription_id: int, amount: Decimal, on: date | None = None
) -> Intent:
    """Add money to an active smallcase subscription (earmarked on `on`, default today)."""
    require_verified_kyc(session, user)
    check_amount(amount)
    subscription = _active(session, user, subscription_id, SubscriptionKind.SMALLCASE)
    _refuse_pending(session, subscription, IntentKind.EXIT)
    earmark(session, user, subscription.id, amount, "top-up", on=on)
    return _intent(session, subscription, IntentKind.TOPUP, amount=amount)


def exit_subscription(session: Session, user: User, *, subscription_id: int) -> Intent:
    """Ask to sell everything in a smallcase subscription and return its cash."""
    subscription = _active(session, user, subscription_id, SubscriptionKind.SMALLCASE)
    _refuse_pending(session, subscription, IntentKind.EXIT)
    return _intent(session, subscription, IntentKind.EXIT)


def decide_rebalance(session: Session, user: User, *, subscription_id: int, accept: bool) -> Intent:
    """Accept (the next batch applies it) or skip the smallcase's newest version, or a
    rebalance back to the version it follows that its drift band proposed (`drift`)."""
    subscription = _active(session, user, subscription_id, SubscriptionKind.SMALLCASE)
    assert subscription.smallcase_id is not None
    latest = smallcases.composition(session, subscription.smallcase_id)
    proposal = None
    if latest.version.id == subscription.version_id:
        proposal = drift.open_proposal(session, subscription.id)
        if proposal is None:
            raise Conflict("the subscription already follows the newest version")
    _refuse_pending(session, subscription, IntentKind.EXIT)
    _refuse_pending(session, subscription, IntentKind.REBALANCE)
    intent = _intent(session, subscription, IntentKind.REBALANCE, version_id=latest.version.id)
    if proposal is not None:
        proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
        proposal.intent_id = intent.id
        intent.note = f"drift {proposal.drift_points} points in {proposal.symbol}"
    if not accept:
        intent.status = IntentStatus.SKIPPED
        subscription.version_id = latest.version.id
    return intent


def buy(
    session: Session, user: User, *, symbol: str, quantity: int, on: date | None = None
) -> Intent:
    """Buy one stock into the investor's direct subscription, earmarking its cost up front
    (on `on`, default today; a simulation passes its own day).

    The cost is quantity x buy limit price (latest close plus the collar) plus the charges
    reserve, the same test the allocator's funding applies.
    """
    require_verified_kyc(session, user)
    _check_quantity(quantity)
    settings = get_settings()
    price = latest_closes(session, [symbol])[symbol]
    tick = tick_sizes(session, [symbol])[symbol]
    limit = buy_limit(int(price * 100), int(tick * 100), Rate.of(settings.buy_collar, "collar"))
    cost = (
        Decimal(with_reserve_ceil(quantity * limit, Rate.of(settings.buy_charges_rate, "reserve")))
        / 100
    )
    subscription = _direct(session, user)
    account = subscription_account(session, subscription.id)
    spare = max(balance(session, account) - reserved(session, subscription.id), Decimal(0))
    if cost > spare:
        earmark(session, user, subscription.id, cost - spare, f"buy {quantity} {symbol}", on=on)
    return _intent(
        session, subscription, IntentKind.BUY, symbol=symbol, quantity=quantity, amount=cost
    )


def reserved(session: Session, subscription_id: int) -> Decimal:
    """Cash a subscription has promised to intents that have not run yet."""
    total = session.execute(
        select(func.coalesce(func.sum(Intent.amount), 0)).where(
            Intent.subscription_id == subscription_id,
            Intent.kind.in_([IntentKind.INVEST, IntentKind.TOPUP, IntentKind.BUY]),
            Intent.status.in_([IntentStatus.PENDING, IntentStatus.BATCHED]),
        )
    ).scalar_one()
    return Decimal(total or 0)


def withdraw(
    session: Session, user: User, *, subscription_id: int, amount: Decimal
) -> JournalEntry:
    """Move a subscription's spare settled cash back to free cash: not while it is in a batch,
    and never the cash its pending intents need."""
    check_amount(amount)
    subscription = own_subscription(session, user, subscription_id, lock=True)
    busy = session.execute(
        select(BatchParticipant.batch_id).where(
            BatchParticipant.subscription_id == subscription.id, BatchParticipant.open
        )
    ).first()
    if busy is not None:
        raise Conflict(f"subscription {subscription_id} is in batch {busy.batch_id}; wait for it")
    account = subscription_account(session, subscription.id)
    spare = balance(session, account, bucket=Bucket.SETTLED) - reserved(session, subscription.id)
    if amount > spare:
        left = max(spare, Decimal(0))
        raise Conflict(f"only {left} of settled cash is spare in subscription {subscription_id}")
    return release(
        session,
        user.id,
        subscription.id,
        amount=amount,
        bucket=Bucket.SETTLED,
        memo="withdrawn to free cash",
    )


def sell(session: Session, user: User, *, symbol: str, quantity: int) -> Intent:
    """Sell shares of one stock held in the investor's direct subscription."""
    _check_quantity(quantity)
    subscription = _direct(session, user)
    held = holdings(session, subscription_account(session, subscription.id)).get(symbol, 0)
    pending = session.execute(
        select(func.coalesce(func.sum(Intent.quantity), 0)).where(
            Intent.subscription_id == subscription.id,
            Intent.kind == IntentKind.SELL,
            Intent.symbol == symbol,
            Intent.status.in_([IntentStatus.PENDING, IntentStatus.BATCHED]),
        )
    ).scalar_one()
    pending = int(pending or 0)
    if quantity > held - pending:
        raise Conflict(
            f"holds {held} {symbol} with {pending} already being sold; cannot sell {quantity}"
        )
    return _intent(session, subscription, IntentKind.SELL, symbol=symbol, quantity=quantity)


def _check_quantity(quantity: int) -> None:
    if quantity < 1:
        raise Invalid(
            "quantity must be at least 1",
            errors=[{"field": "quantity", "message": "must be at least 1"}],
        )


def _active(
    session: Session, user: User, subscription_id: int, kind: SubscriptionKind
) -> Subscription:
    subscription = own_subscription(session, user, subscription_id, lock=True)
    if subscription.kind is not kind or subscription.status is not SubscriptionStatus.ACTIVE:
        raise Conflict(f"subscription {subscription_id} is not an active {kind} subscription")
    return subscription


def _direct(session: Session, user: User) -> Subscription:
    """The user's direct subscription, created on first use (safe under concurrent first
    buys: the insert yields to the one that won), and locked."""
    session.execute(
        insert(Subscription)
        .values(user_id=user.id, kind=SubscriptionKind.DIRECT, status=SubscriptionStatus.ACTIVE)
        .on_conflict_do_nothing(index_elements=["user_id"], index_where=text("kind = 'direct'"))
    )
    query = select(Subscription).where(
        Subscription.user_id == user.id, Subscription.kind == SubscriptionKind.DIRECT
    )
    subscription = session.execute(query.with_for_update()).scalar_one()
    subscription_account(session, subscription.id)
    return subscription


def _refuse_pending(session: Session, subscription: Subscription, kind: IntentKind) -> None:
    pending = session.execute(
        select(Intent.id).where(
            Intent.subscription_id == subscription.id,
            Intent.kind == kind,
            Intent.status.in_([IntentStatus.PENDING, IntentStatus.BATCHED]),
        )
    ).first()
    if pending is not None:
        raise Conflict(f"a {kind} is already pending (intent {pending.id})")


def _intent(
    session: Session,
    subscription: Subscription,
    kind: IntentKind,
    *,
    amount: Decimal | None = None,
    symbol: str | None = None,
    quantity: int | None = None,
    version_id: int | None = None,
) -> Intent:
    intent = Intent(
        subscription_id=subscription.id,
        kind=kind,
        amount=amount,
        symbol=symbol,
        quantity=quantity,
        version_id=version_id,
    )
    session.add(intent)
    session.flush()
    return intent
