"""NSE delivery (CNC) charges for one account's trades on one day, as a contract note has them.

Rates come from one dated table, `RATE_TABLE`; the row in force on the trade date applies.
Rounding (each is stated in ``docs/allocator-cli.md`` with its source):

- STT: 0.1 % of each scrip's buy plus sell value for the day, rounded to the nearest rupee
  (half up), per scrip. Zerodha's published calculator rounds STT to the rupee, and its staff
  confirm it (tradingqna.com/t/21903).
- Stamp duty: 0.015 % of each scrip's buy value for the day, rounded to the nearest rupee (half
  up), per scrip, computed like STT on the day's contract note.
- Exchange transaction charge (NSE's charge plus its IPFT levy, ₹10 per crore, which the
  contract note shows inside it) and SEBI fee: on the day's whole turnover, rounded to the
  paisa (half up), as single lines of the contract note.
- GST: 18 % of (brokerage + exchange charge + SEBI fee) as the note's lines show them, rounded
  to the paisa (half up); delivery brokerage is zero.
- DP: ₹13 + 18 % GST = ₹15.34 per scrip sold that day, debited by the depository participant
  as one ledger line (it is not on the contract note; its GST is inside `dp`, not `gst`).

STT is reported on its own: it is not a deductible cost when computing capital gains.

`contract_note` applies the same rounding to Kite's virtual contract note, which gives each
order's charges unrounded; both go through `_note`, so an estimate and the broker's figures are
rounded alike and differ only where a rate or an amount does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from allocator.apportion import split
from allocator.checks import positive_paise, require_count
from allocator.domain import Side
from allocator.errors import InvalidInput
from allocator.money import from_paise, require_decimal
from allocator.pricing import Rate

COMPONENTS = ("stt", "exchange", "sebi", "stamp", "gst", "dp")
"""Charge components in contract order; `total` is their sum."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryRates:
    """One row of the dated rate table (fractions of traded value unless stated).

    Delivery brokerage at Zerodha is zero, so it has no component; GST is therefore charged on
    the exchange charge and the SEBI fee only.
    """

    effective_from: date
    stt: Rate
    exchange: Rate
    """NSE's transaction charge, without IPFT."""
    ipft: Rate
    """NSE's investor protection fund levy, shown inside the exchange charge."""
    sebi: Rate
    stamp_buy: Rate
    gst: Rate
    dp_per_scrip_paise: int
    dp_gst: Rate
    stt_intraday_sell: Rate
    """STT on the sell side of a same-day buy and sell netted by the exchange (intraday)."""
    stamp_intraday_buy: Rate
    """Stamp duty on the buy side of a netted same-day buy and sell."""
    source: str


RATE_TABLE: tuple[DeliveryRates, ...] = (
    DeliveryRates(
        effective_from=date(2024, 10, 1),
        stt=Rate.of(Decimal("0.001"), "stt"),
        exchange=Rate.of(Decimal("0.0000297"), "exchange"),
        ipft=Rate.of(Decimal("0.000001"), "ipft"),
        sebi=Rate.of(Decimal("0.000001"), "sebi"),
        stamp_buy=Rate.of(Decimal("0.00015"), "stamp"),
        gst=Rate.of(Decimal("0.18"), "gst"),
        dp_per_scrip_paise=1300,
        dp_gst=Rate.of(Decimal("0.18"), "dp_gst"),
        stt_intraday_sell=Rate.of(Decimal("0.00025"), "stt_intraday_sell"),
        stamp_intraday_buy=Rate.of(Decimal("0.00003"), "stamp_intraday_buy"),
        source=(
            "Zerodha charges page (delivery): brokerage 0, STT 0.1% both sides, NSE transaction "
            "0.00297% from 1 Oct 2024, SEBI Rs 10/crore, stamp 0.015% on buys, GST 18%, "
            "DP Rs 13 + GST per scrip per day sold; NSE IPFT Rs 10/crore + GST inside exchange "
            "charges (NSE circular NSE/FA/56129 of 24 Mar 2023, in force from 1 Apr 2023, "
            "before this table's first row; Zerodha support: IPFT charges); a same-day buy "
            "and sell netted as intraday: "
            "STT 0.025% on the sell side only, stamp 0.003% on the buy side, no DP"
        ),
    ),
)


def rates_on(day: date) -> DeliveryRates:
    """The rate row in force on `day`."""
    applicable = [row for row in RATE_TABLE if row.effective_from <= day]
    if not applicable:
        first = RATE_TABLE[0].effective_from
        raise InvalidInput("date", f"no charge rates before {first.isoformat()}, was {day}")
    return max(applicable, key=lambda row: row.effective_from)


@dataclass(frozen=True, slots=True, kw_only=True)
class Trade:
    """One executed trade of the day."""

    symbol: str
    side: Side
    quantity: int
    price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeBreakdown:
    """Charges by component in paise; `total` is their exact sum."""

    stt: int
    exchange: int
    sebi: int
    stamp: int
    gst: int
    dp: int

    @property
    def total(self) -> int:
        """Sum of every component, in paise."""
        return self.stt + self.exchange + self.sebi + self.stamp + self.gst + self.dp

    def components(self) -> dict[str, int]:
        """Components by name (`COMPONENTS` order), in paise."""
        return {name: getattr(self, name) for name in COMPONENTS}

    def rupees(self) -> dict[str, Decimal]:
        """Components and `total` in rupees with two decimals."""
        values = {name: from_paise(paise) for name, paise in self.components().items()}
        values["total"] = from_paise(self.total)
        return values


def delivery_charges(day: date, trades: Sequence[Trade]) -> ChargeBreakdown:
    """Charges for one account's delivery trades on `day` (see the module doc for rounding)."""
    rates = rates_on(day)
    lines = []
    for index, trade in enumerate(trades):
        where = f"trades[{index}]"
        require_count(f"{where}.quantity", trade.quantity, minimum=1)
        value = Fraction(trade.quantity * positive_paise(f"{where}.price", trade.price))
        buy = trade.side is Side.BUY
        lines.append(
            _Line(
                symbol=trade.symbol,
                side=trade.side,
                stt=value * _f(rates.stt),
                stamp=value * _f(rates.stamp_buy) if buy else Fraction(0),
                exchange=value * (_f(rates.exchange) + _f(rates.ipft)),
                sebi=value * _f(rates.sebi),
                brokerage=Fraction(0),
            )
        )
    return _note(rates, lines).charges


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteLine:
    """One executed order as a virtual contract note charges it: unrounded rupees."""

    symbol: str
    side: Side
    stt: Decimal
    stamp: Decimal
    exchange: Decimal
    """Exchange turnover charge, IPFT included."""
    sebi: Decimal
    brokerage: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractNote:
    """The day's contract note in paise: the components (DP included) and brokerage."""

    charges: ChargeBreakdown
    brokerage: int

    @property
    def total(self) -> int:
        """Everything the account is debited for the day, in paise."""
        return self.charges.total + self.brokerage


def contract_note(day: date, lines: Sequence[NoteLine]) -> ContractNote:
    """The day's contract note from its orders' unrounded charges, rounded as
    `delivery_charges` rounds (STT and stamp per scrip to the rupee, the other lines on the
    day's sums to the paisa, GST on the rounded lines at the day's rate), plus DP per scrip
    sold."""
    rates = rates_on(day)
    exact = [
        _Line(
            symbol=line.symbol,
            side=line.side,
            stt=_exact(line.stt),
            stamp=_exact(line.stamp),
            exchange=_exact(line.exchange),
            sebi=_exact(line.sebi),
            brokerage=_exact(line.brokerage),
        )
        for line in lines
    ]
    return _note(rates, exact)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Line:
    """One order's unrounded charges in paise."""

    symbol: str
    side: Side
    stt: Fraction
    stamp: Fraction
    exchange: Fraction
    sebi: Fraction
    brokerage: Fraction


def _note(rates: DeliveryRates, lines: Sequence[_Line]) -> ContractNote:
    """The contract note's rounding of a day's unrounded lines (see the module doc)."""
    stt: dict[str, Fraction] = defaultdict(Fraction)
    stamp: dict[str, Fraction] = defaultdict(Fraction)
    sold: set[str] = set()
    for line in lines:
        stt[line.symbol] += line.stt
        stamp[line.symbol] += line.stamp
        if line.side is Side.SELL:
            sold.add(line.symbol)
    exchange = _half_up(sum((line.exchange for line in lines), Fraction(0)), 1)
    sebi = _half_up(sum((line.sebi for line in lines), Fraction(0)), 1)
    brokerage = _half_up(sum((line.brokerage for line in lines), Fraction(0)), 1)
    gst = _half_up((brokerage + exchange + sebi) * _f(rates.gst), 1)
    dp_each = rates.dp_per_scrip_paise + _round_half_up(rates.dp_per_scrip_paise, rates.dp_gst, 1)
    charges = ChargeBreakdown(
        stt=sum(_half_up(amount, 100) for _, amount in sorted(stt.items())),
        exchange=exchange,
        sebi=sebi,
        stamp=sum(_half_up(amount, 100) for _, amount in sorted(stamp.items())),
        gst=gst,
        dp=dp_each * len(sold),
    )
    return ContractNote(charges=charges, brokerage=brokerage)


NOTE_PRECISION = Decimal("1e-9")
"""Kite's unrounded figures are floats on the wire; every exact charge of a paisa-valued order
has at most 9 decimals of a rupee (GST 11), so they are read to 1e-9 rupee before rounding."""


def _exact(rupees: Decimal) -> Fraction:
    """Unrounded rupees (from a float on the wire) as exact paise."""
    require_decimal(rupees, "charge")
    return Fraction(rupees.quantize(NOTE_PRECISION, ROUND_HALF_EVEN)) * 100


def _half_up(paise: Fraction, unit: int) -> int:
    """`paise` rounded half up to a multiple of `unit` paise."""
    return int((paise / unit + Fraction(1, 2)).__floor__()) * unit


@dataclass(frozen=True, slots=True, kw_only=True)
class ScripDay:
    """One scrip's executed trades of one day in one account, per side (values in paise)."""

    bought: int
    bought_value: int
    sold: int
    sold_value: int


SIDE_COMPONENTS = ("stt", "stamp", "dp")
"""The components a same-day buy and sell changes; the others follow turnover either way."""


def netted_charges(day: date, scrip: ScripDay) -> dict[Side, dict[str, int]]:
    """STT, stamp and DP of one scrip's day per side (paise), as the exchange nets a same-day
    buy and sell in one account: the matched quantity ``min(bought, sold)`` is intraday (STT
    0.025 % of its sell value only, stamp 0.003 % of its buy value, no DP) and the rest is
    delivery; DP is charged only when more was sold than bought (the demat is debited). A
    side's value is split between its intraday and delivery parts pro rata to quantity, and
    each side's STT and stamp round to the rupee (half up), as `delivery_charges` rounds them.
    With nothing matched this is exactly `delivery_charges`' STT, stamp and DP."""
    rates = rates_on(day)
    for name in ("bought", "bought_value", "sold", "sold_value"):
        require_count(f"scrip.{name}", getattr(scrip, name), minimum=0)
    matched = min(scrip.bought, scrip.sold)

    def part(value: int, quantity: int, of: int) -> Fraction:
        return Fraction(value * quantity, of) if of else Fraction(0)

    sell_intraday = part(scrip.sold_value, matched, scrip.sold)
    sell_delivery = Fraction(scrip.sold_value) - sell_intraday
    buy_intraday = part(scrip.bought_value, matched, scrip.bought)
    buy_delivery = Fraction(scrip.bought_value) - buy_intraday
    dp_each = rates.dp_per_scrip_paise + _round_half_up(rates.dp_per_scrip_paise, rates.dp_gst, 1)
    return {
        Side.SELL: {
            "stt": _rupee(
                sell_intraday * _f(rates.stt_intraday_sell) + sell_delivery * _f(rates.stt)
            ),
            "stamp": 0,
            "dp": dp_each if scrip.sold > scrip.bought else 0,
        },
        Side.BUY: {
            "stt": _rupee(buy_delivery * _f(rates.stt)),
            "stamp": _rupee(
                buy_intraday * _f(rates.stamp_intraday_buy) + buy_delivery * _f(rates.stamp_buy)
            ),
            "dp": 0,
        },
    }


def _f(rate: Rate) -> Fraction:
    return Fraction(rate.num, rate.den)


def _rupee(paise: Fraction) -> int:
    """`paise` rounded half up to whole rupees (in paise)."""
    return _half_up(paise, 100)


def split_charges(
    charges: Mapping[str, int], values: Sequence[int], keys: Sequence[str], seed: str
) -> list[dict[str, int]]:
    """Split each charge component pro rata to `values` (paise), to the paisa, by largest
    remainder with the usual tie-break; every component's parts sum exactly to it."""
    per_component = {name: split(amount, values, keys, seed) for name, amount in charges.items()}
    return [{name: parts[i] for name, parts in per_component.items()} for i in range(len(values))]


def _round_half_up(amount: int, rate: Rate, unit: int) -> int:
    """``amount * rate`` (paise) rounded half up to a multiple of `unit` paise."""
    numerator = amount * rate.num
    denominator = rate.den * unit
    return (2 * numerator + denominator) // (2 * denominator) * unit
