"""Hypothesis strategies for allocator inputs: symbols, ticks, prices, accounts, fills."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import strategies as st

from allocator import Account, Fill, Limits, Participant, PlanRequest

SYMBOLS = ["HDFCBANK", "INFY", "ITC", "RELIANCE", "SBIN", "TCS"]
TICKS = [Decimal("0.01"), Decimal("0.05"), Decimal("0.10"), Decimal("1.00")]


def paise(value: int) -> Decimal:
    """Rupees from integer paise."""
    return Decimal(value).scaleb(-2)


@st.composite
def quotes(
    draw: st.DrawFn, symbols: list[str] = SYMBOLS
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(prices, tick sizes): every price a positive multiple of its tick."""
    prices, ticks = {}, {}
    for symbol in symbols:
        tick = draw(st.sampled_from(TICKS))
        tick_paise = int(tick * 100)
        multiple = draw(st.integers(min_value=1, max_value=2_000_000 // tick_paise))
        prices[symbol] = paise(multiple * tick_paise)
        ticks[symbol] = tick
    return prices, ticks


@st.composite
def accounts(draw: st.DrawFn, symbols: list[str] = SYMBOLS, max_accounts: int = 8) -> list[Account]:
    """Accounts with holdings, full targets (every held symbol targeted) and optional cash."""
    count = draw(st.integers(min_value=1, max_value=max_accounts))
    result = []
    for n in range(count):
        held = draw(st.lists(st.sampled_from(symbols), unique=True, max_size=len(symbols)))
        holdings = {s: draw(st.integers(min_value=0, max_value=500)) for s in held}
        extra = draw(st.lists(st.sampled_from(symbols), unique=True, max_size=3))
        targets = {
            s: draw(st.integers(min_value=0, max_value=500)) for s in sorted(set(held) | set(extra))
        }
        cash = draw(st.none() | st.integers(min_value=0, max_value=50_000_000).map(paise))
        result.append(Account(account=f"sub-{n}", holdings=holdings, targets=targets, cash=cash))
    return result


@st.composite
def plan_requests(draw: st.DrawFn) -> PlanRequest:
    """A valid plan request with small order caps, so slicing and scheduling are exercised."""
    prices, ticks = draw(quotes())
    limits = Limits(
        max_quantity=draw(st.integers(min_value=1, max_value=400)),
        max_quantity_by_symbol={
            s: draw(st.integers(min_value=1, max_value=300))
            for s in draw(st.lists(st.sampled_from(SYMBOLS), unique=True, max_size=2))
        },
        max_value=paise(draw(st.integers(min_value=3_000_000, max_value=100_000_000))),
        orders_per_second=draw(st.integers(min_value=1, max_value=10)),
        orders_per_minute=draw(st.integers(min_value=1, max_value=40)),
        orders_per_day=100_000,
        orders_used_today=draw(st.integers(min_value=0, max_value=100)),
    )
    return PlanRequest(
        batch=draw(st.sampled_from(["", "b1", "b17"])),
        prices=prices,
        tick_size=ticks,
        accounts=draw(accounts()),
        limits=limits,
        collar=draw(
            st.sampled_from([Decimal("0"), Decimal("0.005"), Decimal("0.01"), Decimal("0.05")])
        ),
        buy_charges_rate=draw(
            st.sampled_from([Decimal("0"), Decimal("0.00120"), Decimal("0.003")])
        ),
        min_trade_value=paise(draw(st.integers(min_value=0, max_value=500_000))),
        cross=draw(st.booleans()),
    )


@st.composite
def statements(draw: st.DrawFn, max_size: int = 12) -> list[Participant]:
    """A pre-trade statement: distinct accounts, each asking for at least one share."""
    names = draw(
        st.lists(
            st.text("abcdefgh0123456789-", min_size=1, max_size=6),
            unique=True,
            min_size=1,
            max_size=max_size,
        )
    )
    return [
        Participant(account=n, quantity=draw(st.integers(min_value=1, max_value=5_000)))
        for n in names
    ]


@st.composite
def fills_for(draw: st.DrawFn, requested: int) -> list[Fill]:
    """Fills totalling at most `requested` shares, with distinct trade ids."""
    total = draw(st.integers(min_value=0, max_value=requested))
    fills = []
    n = 0
    while total > 0:
        quantity = draw(st.integers(min_value=1, max_value=total))
        price = paise(draw(st.integers(min_value=1, max_value=5_000_000)))
        time = datetime(2026, 11, 25, 4, 0, n % 60, tzinfo=UTC)
        fills.append(Fill(trade_id=f"T{n}", quantity=quantity, price=price, time=time))
        total -= quantity
        n += 1
    return fills
