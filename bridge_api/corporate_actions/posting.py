"""Posting a corporate action: one `corporate_action` journal entry through the ledger
service, each book's entitlement (append-only), the tax lots carried, and the pending
intents and smallcase compositions brought along (rules and sources:
docs/corporate-actions.md).

Entitlement is the books' holding before the ex date: under T+1 the ex date is the record
date, so a buy the session before is on the register (still T1 in the books, as the exchange
counts it) and a sale that session is not; a sale on the ex date still is. The engine trades
nothing in the symbol from the ex date until the action is posted, so the books' holding then
is still the entitled one; posting checks it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from allocator import entitlements
from allocator.errors import AllocatorError
from bridge_api.audit.service import record
from bridge_api.calendar import ist_today
from bridge_api.corporate_actions.announcements import (
    REPLACING,
    Leg,
    check_admin,
    check_price,
    describe,
    get,
    legs_of,
)
from bridge_api.db.models import (
    ActionKind,
    ActionStatus,
    Batch,
    BatchTarget,
    Bucket,
    Cause,
    CorporateAction,
    CorporateActionEntitlement,
    Intent,
    IntentKind,
    IntentStatus,
    JournalEntry,
    LedgerAccount,
    LedgerKind,
    Posting,
    Subscription,
    User,
)
from bridge_api.db.models.batches import OPEN_STATES
from bridge_api.db.models.ledger import CASH
from bridge_api.errors import Conflict, Invalid
from bridge_api.ledger import lots, settlement
from bridge_api.ledger.house import house_account
from bridge_api.ledger.service import Leg as Posted
from bridge_api.ledger.service import balances_of, named_account, post
from bridge_api.notifications.events import EventKind, notify
from bridge_api.smallcases.carry import carry_compositions

EXTERNAL = "external:corporate_actions"
"""The company and its registrar: what the account receives from outside a trade."""
ZERO = Decimal("0.00")


def post_action(
    session: Session,
    admin: User,
    action_id: int,
    *,
    posted_on: date,
    credited: Decimal | None = None,
    tds: Decimal = ZERO,
    fraction_price: Decimal | None = None,
) -> CorporateAction:
    """Post an announced action once the broker shows it (the dividend credited, the new shares
    in the demat), as the admin who checked it (audited).

    `credited` is what the account received in cash (a dividend net of `tds`; the company's
    cash for the account's fractional entitlement, which defaults to that fraction at
    `fraction_price`). `fraction_price` is needed whenever a book has a fractional entitlement.
    """
    check_admin(admin)
    check_price(fraction_price, "fraction_price")
    action = get(session, action_id, lock=True)
    if action.status is not ActionStatus.ANNOUNCED:
        raise Conflict(f"corporate action {action_id} is {action.status}, not announced")
    if posted_on < action.record_date:
        raise Invalid(f"posted on {posted_on}, before the record date {action.record_date}")
    if posted_on > ist_today():
        raise Invalid(f"posted on {posted_on}, a day that has not come")
    _no_open_batch(session, action.symbol)
    settlement.settle(session, today=posted_on)
    held = _held_before(session, action.symbol, action.ex_date)
    _unchanged_since(session, action, held)
    if action.kind is not ActionKind.DIVIDEND:
        _settled(session, action, held)
    accounts = _subscriptions_of(session, held)
    external = named_account(session, EXTERNAL, LedgerKind.EXTERNAL)
    house = house_account(session)
    try:
        if action.kind is ActionKind.DIVIDEND:
            rows, legs, residue = _dividend(
                action, held, external=external, house=house, credited=credited, tds=tds
            )
        else:
            rows, legs, residue = _shares(
                session,
                action,
                held,
                external=external,
                house=house,
                credited=credited,
                fraction_price=fraction_price,
            )
    except AllocatorError as error:
        raise Invalid(str(error)) from error
    if not legs:
        raise Conflict(f"no book held {action.symbol} before {action.ex_date}: nothing to post")
    entry = post(
        session,
        cause=Cause.CORPORATE_ACTION,
        legs=legs,
        effective_on=posted_on,
        memo=f"corporate action {action.id}: {action.kind} of {action.symbol}",
        created_by=admin.id,
    )
    session.add_all(
        CorporateActionEntitlement(
            action_id=action.id, account_id=account, subscription_id=accounts.get(account), **row
        )
        for (account, _), row in sorted(rows.items())
    )
    if action.kind is not ActionKind.DIVIDEND:
        credited = residue + sum((Decimal(str(row["cash"])) for row in rows.values()), ZERO)
        _carry_lots(session, action, rows=rows, accounts=accounts, entry=entry, on=posted_on)
        _carry_intents(session, action)
        carry_compositions(session, admin, action.symbol, _weights_of(action), note=_note(action))
    action.status = ActionStatus.POSTED
    action.posted_on, action.posted_by, action.entry_id = posted_on, admin.id, entry.id
    action.credited, action.tds, action.residue = credited, tds, residue
    action.fraction_price = fraction_price
    session.flush()
    if action.kind is ActionKind.DIVIDEND:
        _tell_dividend(session, action, rows, accounts)
    record(
        session,
        actor=admin,
        action="corporate_action.post",
        entity="corporate_action",
        entity_id=action.id,
        after={
            **describe(action),
            "entry": entry.id,
            "credited": None if credited is None else str(credited),
            "tds": str(tds),
            "residue": str(residue),
        },
    )
    return action


Rows = dict[tuple[int, str], dict[str, object]]


def _dividend(
    action: CorporateAction,
    held: dict[int, int],
    *,
    external: int,
    house: int,
    credited: Decimal | None,
    tds: Decimal,
) -> tuple[Rows, list[Posted], Decimal]:
    if credited is None:
        raise Invalid(
            "a dividend is posted with what the account was credited",
            errors=[{"field": "credited", "message": "required for a dividend"}],
        )
    assert action.per_share is not None
    split = entitlements.dividend(
        {str(a): q for a, q in held.items()},
        per_share=action.per_share,
        tds=tds,
        credited=credited,
        seed=f"dividend:{action.id}",
    )
    rows: Rows = {}
    cash: dict[int, Decimal] = defaultdict(Decimal)
    for key, payout in split.payouts.items():
        account = int(key)
        rows[(account, action.symbol)] = {
            "symbol": action.symbol,
            "held": held[account],
            "shares": 0,
            "gross": payout.gross,
            "tds": payout.tds,
            "cash": payout.net,
        }
        cash[account] += payout.net
    cash[house] += split.residue
    cash[external] -= credited
    legs = [Posted(a, CASH, amount) for a, amount in sorted(cash.items()) if amount]
    return rows, legs, split.residue


def _tell_dividend(
    session: Session, action: CorporateAction, rows: Rows, accounts: dict[int, int]
) -> None:
    """Tell each investor whose subscriptions held the symbol what they received (their
    subscriptions summed), in the posting's transaction, once per action."""
    owners = dict(
        session.execute(
            select(Subscription.id, Subscription.user_id).where(
                Subscription.id.in_(list(accounts.values()))
            )
        ).all()
    )
    per_user: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (account, _), row in rows.items():
        if account not in accounts:
            continue  # the house's own holding
        mine = per_user[owners[accounts[account]]]
        for name, field in (("held", "held"), ("gross", "gross"), ("tds", "tds"), ("net", "cash")):
            mine[name] += Decimal(str(row[field]))
    if not per_user:
        return
    notify(
        session,
        EventKind.DIVIDEND_CREDITED,
        list(per_user),
        dedupe_key=f"dividend-credited-{action.id}",
        action=action.id,
        symbol=action.symbol,
        per_share=str(action.per_share),
        record_date=action.record_date.isoformat(),
        ex_date=action.ex_date.isoformat(),
        paid_on=None if action.posted_on is None else action.posted_on.isoformat(),
        per_user={
            str(user): {
                "held": int(got["held"]),
                "gross": str(got["gross"]),
                "tds": str(got["tds"]),
                "net": str(got["net"]),
            }
            for user, got in sorted(per_user.items())
        },
    )


def _shares(
    session: Session,
    action: CorporateAction,
    held: dict[int, int],
    *,
    external: int,
    house: int,
    credited: Decimal | None,
    fraction_price: Decimal | None,
) -> tuple[Rows, list[Posted], Decimal]:
    moves: dict[tuple[int, str, Bucket], Decimal] = defaultdict(Decimal)
    rows: Rows = {}
    paid, account_cash = ZERO, ZERO
    for leg in legs_of(action):
        split = entitlements.shares({str(a): q for a, q in held.items()}, new=leg.new, old=leg.old)
        fractions = any(split.remainder.values())
        if fractions and fraction_price is None:
            raise Invalid(
                f"some books have a fraction of a {leg.symbol} share: give fraction_price, the "
                "rupees a share the company paid for fractional entitlements",
                errors=[{"field": "fraction_price", "message": "required: fractions to settle"}],
            )
        price = fraction_price or ZERO
        for key, whole in split.whole.items():
            account = int(key)
            cash = entitlements.fraction_cash(split.remainder[key], split.old, price)
            rows[(account, leg.symbol)] = {
                "symbol": leg.symbol,
                "held": held[account],
                "shares": whole,
                "gross": ZERO,
                "tds": ZERO,
                "cash": cash,
            }
            moves[(account, leg.symbol, Bucket.SETTLED)] += whole
            moves[(account, CASH, Bucket.SETTLED)] += cash
            paid += cash
        moves[(house, leg.symbol, Bucket.SETTLED)] += split.extra
        moves[(external, leg.symbol, Bucket.SETTLED)] -= split.account_whole
        account_cash += entitlements.fraction_cash(split.account_remainder, split.old, price)
    if action.kind in REPLACING:
        for account, quantity in held.items():
            moves[(account, action.symbol, Bucket.SETTLED)] -= quantity
        moves[(external, action.symbol, Bucket.SETTLED)] += sum(held.values())
    received = account_cash if credited is None else credited
    residue = received - paid
    moves[(house, CASH, Bucket.SETTLED)] -= paid - received
    moves[(external, CASH, Bucket.SETTLED)] -= received
    legs = [
        Posted(account, asset, amount, bucket)
        for (account, asset, bucket), amount in sorted(moves.items())
        if amount
    ]
    return rows, legs, residue


def _carry_lots(
    session: Session,
    action: CorporateAction,
    *,
    rows: Rows,
    accounts: dict[int, int],
    entry: JournalEntry,
    on: date,
) -> None:
    legs = legs_of(action)
    for account, subscription_id in sorted(accounts.items()):
        got = {leg.symbol: rows.get((account, leg.symbol)) for leg in legs}
        if action.kind is ActionKind.BONUS:
            row = got[action.symbol]
            if row is not None:
                lots.add_bonus_lot(
                    session,
                    subscription_id=subscription_id,
                    symbol=action.symbol,
                    quantity=int(str(row["shares"])),
                    cash=Decimal(str(row["cash"])),
                    allotted_on=on,
                    entry_id=entry.id,
                )
            continue
        carried = [
            lots.Carry(
                leg.symbol,
                int(str(row["shares"])) if row else 0,
                leg.cost_percent,
                Decimal(str(row["cash"])) if row else ZERO,
            )
            for leg, row in ((leg, got[leg.symbol]) for leg in legs)
        ]
        if action.kind is ActionKind.DEMERGER:
            kept = Decimal(100) - sum((leg.cost_percent for leg in legs), Decimal(0))
            quantity = _held_now(session, account, action.symbol)
            carried.insert(0, lots.Carry(action.symbol, quantity, kept))
        lots.carry_lots(
            session,
            subscription_id=subscription_id,
            symbol=action.symbol,
            legs=carried,
            entry_id=entry.id,
            on=on,
        )


def _carry_intents(session: Session, action: CorporateAction) -> None:
    """Pending direct buys and sells of a symbol that was split, renamed or merged follow it:
    the quantity by the ratio (rounded down; cancelled with a note when nothing is left)."""
    if action.kind not in REPLACING:
        return
    leg = legs_of(action)[0]
    intents = session.execute(
        select(Intent).where(
            Intent.symbol == action.symbol,
            Intent.status == IntentStatus.PENDING,
            Intent.kind.in_([IntentKind.BUY, IntentKind.SELL]),
        )
    ).scalars()
    for intent in intents:
        assert intent.quantity is not None
        quantity = intent.quantity * leg.new // leg.old
        note = f"corporate action {action.id}: {intent.quantity} {action.symbol}"
        if quantity:
            intent.symbol, intent.quantity = leg.symbol, quantity
            intent.note = f"{note} became {quantity} {leg.symbol}"
        else:
            intent.status = IntentStatus.CANCELLED
            intent.note = f"{note} is less than one {leg.symbol} share after it"


def _weights_of(action: CorporateAction) -> dict[str, Decimal]:
    """How a weight in the action's symbol is shared after it (percent of the old weight): a
    split or a bonus leaves it as it was; a symbol change or merger moves it to the new symbol;
    a demerger shares it by the cost split (what the holding is now worth in each part)."""
    legs: list[Leg] = legs_of(action)
    if action.kind in (ActionKind.SPLIT, ActionKind.BONUS):
        return {}
    if action.kind is ActionKind.DEMERGER:
        kept = Decimal(100) - sum((leg.cost_percent for leg in legs), Decimal(0))
        return {action.symbol: kept, **{leg.symbol: leg.cost_percent for leg in legs}}
    return {legs[0].symbol: Decimal(100)}


def _note(action: CorporateAction) -> str:
    return f"corporate action {action.id}: {action.kind} of {action.symbol}"


def _no_open_batch(session: Session, symbol: str) -> None:
    open_batch = session.execute(
        select(Batch.id)
        .join(BatchTarget, BatchTarget.batch_id == Batch.id)
        .where(Batch.state.in_(OPEN_STATES), BatchTarget.symbol == symbol)
        .limit(1)
    ).scalar_one_or_none()
    if open_batch is not None:
        raise Conflict(
            f"batch {open_batch} is open with {symbol} in it: let it finish (the engine skips "
            f"{symbol}) or cancel it, then post the action"
        )


def _held_before(session: Session, symbol: str, ex_date: date) -> dict[int, int]:
    """Each book's (subscription's, the house's) shares of `symbol` from entries dated before
    `ex_date`, settled and T1 together."""
    rows = session.execute(
        select(Posting.account_id, func.sum(Posting.amount))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(
            Posting.asset == symbol,
            JournalEntry.effective_on < ex_date,
            LedgerAccount.kind.in_([LedgerKind.SUBSCRIPTION, LedgerKind.HOUSE]),
        )
        .group_by(Posting.account_id)
    ).all()
    return {account: int(total) for account, total in sorted(rows) if total}


def _settled(session: Session, action: CorporateAction, held: dict[int, int]) -> None:
    """Refuse a share action while a book's shares of the symbol are still settling: the
    action's postings are all settled, so the T+1 settlement of those shares must come first
    (it ran for `posted_on` just before; shares bought the session before the ex date settle
    in the books the session after the record date)."""
    buckets = balances_of(session, held, action.symbol)
    settling = sorted(a for a in held if buckets[a][Bucket.UNSETTLED])
    if settling:
        raise Conflict(
            f"{action.symbol} is still settling in accounts {', '.join(map(str, settling))}: "
            "post the action on the session after the record date, once T+1 has settled them"
        )


def _held_now(session: Session, account: int, symbol: str) -> int:
    buckets = balances_of(session, [account], symbol)[account]
    return int(sum(buckets.values(), Decimal(0)))


def _unchanged_since(session: Session, action: CorporateAction, held: dict[int, int]) -> None:
    rows = session.execute(
        select(Posting.account_id, func.sum(Posting.amount))
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(
            Posting.asset == action.symbol,
            LedgerAccount.kind.in_([LedgerKind.SUBSCRIPTION, LedgerKind.HOUSE]),
        )
        .group_by(Posting.account_id)
    ).all()
    now = {account: int(total) for account, total in rows if total}
    if now != held:
        moved = sorted(a for a in set(now) | set(held) if now.get(a, 0) != held.get(a, 0))
        raise Conflict(
            f"the books' {action.symbol} moved since the ex date {action.ex_date} (accounts "
            f"{', '.join(map(str, moved))}): correct them before posting"
        )


def _subscriptions_of(session: Session, held: dict[int, int]) -> dict[int, int]:
    rows = session.execute(
        select(LedgerAccount.id, LedgerAccount.subscription_id).where(
            LedgerAccount.id.in_(list(held)), LedgerAccount.subscription_id.is_not(None)
        )
    ).all()
    return {account: sid for account, sid in rows if sid is not None}
