"""Routes: cash, investing intents, the portfolio, transactions and service status."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bridge_api.audit.service import record
from bridge_api.batches import service as batches
from bridge_api.calendar import ist_today
from bridge_api.db.models import (
    Batch,
    Cause,
    Intent,
    Smallcase,
    SmallcaseStatus,
    Subscription,
    User,
)
from bridge_api.db.models.batches import OPEN_STATES
from bridge_api.http.deps import Admin, CurrentUser, Reader, SessionDep
from bridge_api.http.fields import IdPath
from bridge_api.http.schemas.portfolios import (
    AmountIn,
    CashIn,
    CorrectionIn,
    CorrectionOut,
    EntryOut,
    IntentOut,
    InvestIn,
    LotOut,
    MovementOut,
    PortfolioOut,
    RebalanceIn,
    RebalanceLineOut,
    RebalancePreviewOut,
    StatusOut,
    TradeIn,
)
from bridge_api.ledger import service as ledger
from bridge_api.portfolios import cash, intents, views

router = APIRouter(tags=["portfolios"])
CREATED = status.HTTP_201_CREATED


@router.post("/cash/payin", status_code=CREATED)
def payin(body: CashIn, admin: Admin, session: SessionDep) -> EntryOut:
    """Record money an investor has paid in (admin)."""
    entry = cash.payin(
        session, admin, user_id=body.user_id, amount=body.amount, reference=body.reference
    )
    return EntryOut(entry_id=entry.id, amount=body.amount)


@router.post("/cash/payout", status_code=CREATED)
def payout(body: CashIn, admin: Admin, session: SessionDep) -> EntryOut:
    """Record money paid out to an investor from settled free cash (admin)."""
    entry = cash.payout(
        session, admin, user_id=body.user_id, amount=body.amount, reference=body.reference
    )
    return EntryOut(entry_id=entry.id, amount=body.amount)


@router.post("/admin/journal/{entry_id}/reverse", status_code=CREATED)
def reverse_entry(
    entry_id: IdPath, body: CorrectionIn, admin: Admin, session: SessionDep
) -> CorrectionOut:
    """Correct a mistaken journal entry with a new entry that negates it (admin, audited)."""
    entry = ledger.reverse(
        session, entry_id=entry_id, memo=body.memo, created_by=admin.id, effective_on=ist_today()
    )
    record(
        session,
        actor=admin,
        action="journal.reverse",
        entity="journal_entry",
        entity_id=entry_id,
        after={"correction": entry.id, "memo": body.memo},
    )
    return CorrectionOut(entry_id=entry.id, corrects=entry_id)


@router.post("/invest", status_code=CREATED)
def invest(body: InvestIn, user: CurrentUser, session: SessionDep) -> IntentOut:
    """Invest in a published smallcase (verified KYC, at least its minimum investment)."""
    return IntentOut.model_validate(
        intents.invest(session, user, smallcase_id=body.smallcase_id, amount=body.amount)
    )


@router.post("/subscriptions/{subscription_id}/topup", status_code=CREATED)
def topup(
    subscription_id: IdPath, body: AmountIn, user: CurrentUser, session: SessionDep
) -> IntentOut:
    """Add money to a subscription."""
    return IntentOut.model_validate(
        intents.topup(session, user, subscription_id=subscription_id, amount=body.amount)
    )


@router.post("/subscriptions/{subscription_id}/withdraw", status_code=CREATED)
def withdraw(
    subscription_id: IdPath, body: AmountIn, user: CurrentUser, session: SessionDep
) -> EntryOut:
    """Move a subscription's spare settled cash back to free cash."""
    entry = intents.withdraw(session, user, subscription_id=subscription_id, amount=body.amount)
    return EntryOut(entry_id=entry.id, amount=body.amount)


@router.post("/subscriptions/{subscription_id}/exit", status_code=CREATED)
def exit_subscription(subscription_id: IdPath, user: CurrentUser, session: SessionDep) -> IntentOut:
    """Sell everything in a subscription; its cash returns to free cash when done."""
    return IntentOut.model_validate(
        intents.exit_subscription(session, user, subscription_id=subscription_id)
    )


@router.post("/subscriptions/{subscription_id}/rebalance", status_code=CREATED)
def rebalance(
    subscription_id: IdPath, body: RebalanceIn, user: CurrentUser, session: SessionDep
) -> IntentOut:
    """Accept or skip the smallcase's newest version."""
    intent = intents.decide_rebalance(
        session, user, subscription_id=subscription_id, accept=body.accept
    )
    return IntentOut.model_validate(intent)


@router.post("/buy", status_code=CREATED)
def buy(body: TradeIn, user: CurrentUser, session: SessionDep) -> IntentOut:
    """Buy one stock (its cost with the charges reserve is earmarked now)."""
    return IntentOut.model_validate(
        intents.buy(session, user, symbol=body.symbol, quantity=body.quantity)
    )


@router.post("/sell", status_code=CREATED)
def sell(body: TradeIn, user: CurrentUser, session: SessionDep) -> IntentOut:
    """Sell one stock held directly."""
    return IntentOut.model_validate(
        intents.sell(session, user, symbol=body.symbol, quantity=body.quantity)
    )


@router.get("/intents")
async def my_intents(read: Reader) -> list[IntentOut]:
    """The user's intents, newest first."""

    def work(session: Session, user: User) -> list[IntentOut]:
        rows = session.execute(
            select(Intent)
            .join(Subscription)
            .where(Subscription.user_id == user.id)
            .order_by(Intent.id.desc())
        ).scalars()
        return [IntentOut.model_validate(i) for i in rows]

    return await read(work)


@router.get("/portfolio")
async def portfolio(read: Reader) -> PortfolioOut:
    """Holdings, average cost, market value, P&L, cash and charges, per subscription and total."""
    return await read(
        lambda session, user: PortfolioOut.model_validate(views.portfolio(session, user))
    )


@router.get("/transactions")
async def transactions(
    read: Reader,
    *,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1)] = None,
    cause: Annotated[
        list[Cause] | None, Query(description="Only these kinds (repeat the parameter).")
    ] = None,
    since: Annotated[date | None, Query(description="Effective on or after (IST date).")] = None,
    until: Annotated[date | None, Query(description="Effective on or before (IST date).")] = None,
) -> list[MovementOut]:
    """The user's own postings, newest first; filter by kind (``cause``) and effective date,
    page with ``before`` (an entry id)."""

    def work(session: Session, user: User) -> list[MovementOut]:
        movements = views.transactions(
            session, user, limit=limit, before=before, causes=cause or (), since=since, until=until
        )
        return [MovementOut.model_validate(m) for m in movements]

    return await read(work)


@router.get("/subscriptions/{subscription_id}/rebalance-preview")
def rebalance_preview(
    subscription_id: IdPath, user: CurrentUser, session: SessionDep
) -> RebalancePreviewOut:
    """The rebalance update of one's own subscription: old and new weights, and the shares a
    batch sized now would buy and sell if the newest version is accepted."""
    preview = batches.rebalance_preview(session, user, subscription_id)
    return RebalancePreviewOut(
        subscription_id=preview.subscription_id,
        smallcase_id=preview.smallcase_id,
        current_version=preview.current_version,
        latest_version=preview.latest_version,
        up_to_date=preview.current_version == preview.latest_version,
        pending=preview.pending,
        cash=preview.cash,
        lines=[
            RebalanceLineOut(
                symbol=line.symbol,
                old_weight=line.old_weight,
                new_weight=line.new_weight,
                holding=line.holding,
                target=line.target,
                price=line.price,
                buy=max(line.target - line.holding, 0),
                sell=max(line.holding - line.target, 0),
            )
            for line in preview.lines
        ],
    )


@router.get("/subscriptions/{subscription_id}/lots")
def tax_lots(subscription_id: IdPath, user: CurrentUser, session: SessionDep) -> list[LotOut]:
    """One's own subscription's tax lots (FIFO per symbol), each with its sales."""
    intents.own_subscription(session, user, subscription_id)
    return [LotOut.model_validate(lot) for lot in views.lots(session, subscription_id)]


@router.get("/portfolio/status")
def service_status(session: SessionDep) -> StatusOut:
    """Service health and a one-line summary (no sign-in needed)."""
    session.execute(text("SELECT 1"))
    published = session.execute(
        select(func.count())
        .select_from(Smallcase)
        .where(Smallcase.status == SmallcaseStatus.PUBLISHED)
    ).scalar_one()
    open_batches = session.execute(
        select(func.count()).select_from(Batch).where(Batch.state.in_(OPEN_STATES))
    ).scalar_one()
    return StatusOut(
        status="ok",
        database="ok",
        summary=(
            f"Portfolio service running: {published} published smallcases, "
            f"{open_batches} open batches"
        ),
    )
