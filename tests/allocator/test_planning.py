from bisect import bisect_left
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator import Account, Limits, PlanRequest, Side, plan
from allocator.errors import InvalidInput, LimitExceeded, MissingPrice, MissingTarget, OffTick
from tests.allocator.strategies import plan_requests


def _signed(side, quantity):
    return quantity if side is Side.BUY else -quantity


@given(request=plan_requests())
def test_every_change_is_crossed_ordered_or_skipped_exactly(request):
    result = plan(request)

    accounted = defaultdict(int)
    for c in result.crossings:
        accounted[(c.account, c.symbol)] += _signed(c.side, c.quantity)
    for order in result.orders:
        for p in order.participants:
            accounted[(p.account, order.symbol)] += _signed(order.side, p.quantity)
    for k in result.skipped:
        accounted[(k.account, k.symbol)] += _signed(k.side, k.quantity)
    for account in request.accounts:
        for symbol in set(account.holdings) | set(account.targets):
            delta = account.targets.get(symbol, 0) - account.holdings.get(symbol, 0)
            assert accounted.pop((account.account, symbol), 0) == delta
    assert not any(accounted.values())


@given(request=plan_requests())
def test_orders_are_one_per_symbol_and_side_or_one_net_order_when_crossing(request):
    result = plan(request)

    keys = [(o.symbol, o.side) for o in result.orders]
    assert len(keys) == len(set(keys))
    if request.cross:
        symbols = [o.symbol for o in result.orders]
        assert len(symbols) == len(set(symbols))
    for order in result.orders:
        assert order.quantity == sum(p.quantity for p in order.participants) > 0
        accounts = [p.account for p in order.participants]
        assert accounts == sorted(set(accounts))
        assert all(p.quantity > 0 for p in order.participants)


@given(request=plan_requests())
def test_slices_are_the_fewest_under_both_caps(request):
    result = plan(request)

    for order in result.orders:
        limit_paise = int(order.limit_price * 100)
        cap = min(
            request.limits.max_quantity_by_symbol.get(order.symbol, request.limits.max_quantity),
            int(request.limits.max_value * 100) // limit_paise,
        )
        sizes = [s.quantity for s in order.slices]
        assert sum(sizes) == order.quantity
        assert len(sizes) == -(-order.quantity // cap)
        assert max(sizes) <= cap
        assert max(sizes) - min(sizes) <= 1
        assert all(size * order.limit_price <= request.limits.max_value for size in sizes)


@given(request=plan_requests())
def test_the_schedule_sends_sells_first_within_the_rate_limits(request):
    result = plan(request)

    sells = [s.send_after_ms for o in result.orders if o.side is Side.SELL for s in o.slices]
    buys = [s.send_after_ms for o in result.orders if o.side is Side.BUY for s in o.slices]
    if sells and buys:
        assert max(sells) <= min(buys)
    times = sorted(sells + buys)
    for width, limit in (
        (1000, request.limits.orders_per_second),
        (60_000, request.limits.orders_per_minute),
    ):
        assert all(bisect_left(times, t + width) - i <= limit for i, t in enumerate(times))
    if times:
        n, per_second, per_minute = (
            len(times),
            request.limits.orders_per_second,
            request.limits.orders_per_minute,
        )
        if per_second <= per_minute <= 60 * per_second:
            minutes, rest = divmod(n - 1, per_minute)
            assert times[-1] == minutes * 60_000 + rest // per_second * 1000


@given(request=plan_requests())
def test_no_account_buys_beyond_its_own_cash(request):
    result = plan(request)

    spend = defaultdict(int)
    limits = {o.symbol: o.limit_price for o in result.orders if o.side is Side.BUY}
    for order in result.orders:
        if order.side is Side.BUY:
            for p in order.participants:
                spend[p.account] += p.quantity * order.limit_price
    for c in result.crossings:
        if c.side is Side.BUY:
            # Crossed buys were funded at the buy limit price, which is at least the price.
            spend[c.account] += c.quantity * limits.get(c.symbol, c.price)
    reserve = Fraction(request.buy_charges_rate)
    for account in request.accounts:
        if account.cash is not None:
            assert Fraction(spend[account.account]) * (1 + reserve) <= Fraction(account.cash)


@given(request=plan_requests())
def test_limit_prices_sit_on_the_tick_inside_the_collar(request):
    result = plan(request)

    for order in result.orders:
        price, tick = request.prices[order.symbol], request.tick_size[order.symbol]
        assert order.limit_price % tick == 0
        if order.side is Side.BUY:
            assert price <= order.limit_price <= max(price, price * (1 + request.collar))
            assert order.limit_price + tick > price * (1 + request.collar)
        else:
            assert min(price, price * (1 - request.collar)) <= order.limit_price <= price
            assert order.limit_price - tick < price * (1 - request.collar)


@given(request=plan_requests())
def test_small_changes_are_skipped_but_exits_never_are(request):
    result = plan(request)

    targets = {(a.account, s): q for a in request.accounts for s, q in a.targets.items()}
    for k in result.skipped:
        if k.reason == "min_trade_value":
            assert targets[(k.account, k.symbol)] != 0
            assert k.quantity * request.prices[k.symbol] < request.min_trade_value
    orders = {(o.symbol, p.account) for o in result.orders for p in o.participants}
    crossed = {(c.symbol, c.account) for c in result.crossings}
    for account in request.accounts:
        for symbol, target in account.targets.items():
            if target == 0 and account.holdings.get(symbol, 0) > 0:
                assert (symbol, account.account) in orders | crossed


@given(request=plan_requests(), data=st.data())
def test_the_plan_does_not_depend_on_the_order_accounts_are_given_in(request, data):
    shuffled = data.draw(st.permutations(request.accounts))

    assert plan(replace(request, accounts=shuffled)) == plan(request)


@given(request=plan_requests())
def test_crossings_match_buyers_and_sellers_at_the_reference_price(request):
    result = plan(request)

    if not request.cross:
        assert result.crossings == ()
    totals = defaultdict(int)
    for c in result.crossings:
        assert c.price == request.prices[c.symbol]
        totals[c.symbol] += _signed(c.side, c.quantity)
    assert not any(totals.values())


def _request(**changes):
    base = PlanRequest(
        prices={"INFY": Decimal("1520.35")},
        tick_size={"INFY": Decimal("0.05")},
        accounts=[Account(account="sub-17", holdings={"INFY": 10}, targets={"INFY": 12})],
    )
    return replace(base, **changes)


def test_a_held_symbol_missing_from_targets_is_an_error_not_a_liquidation():
    request = _request(accounts=[Account(account="sub-17", holdings={"INFY": 10}, targets={})])

    with pytest.raises(MissingTarget) as raised:
        plan(request)

    assert raised.value.field == "accounts[0].targets.INFY"
    assert "holding 10" in str(raised.value)


def test_a_targeted_symbol_without_a_price_is_refused():
    request = _request(accounts=[Account(account="sub-17", targets={"TCS": 0})])

    with pytest.raises(MissingPrice, match=r"prices\.TCS"):
        plan(request)


def test_an_off_tick_price_is_refused():
    with pytest.raises(OffTick, match=r"prices\.INFY: price 1520.33"):
        plan(_request(prices={"INFY": Decimal("1520.33")}))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"collar": Decimal("1")}, "collar"),
        ({"collar": Decimal("-0.01")}, "collar"),
        ({"min_trade_value": Decimal("0.001")}, "min_trade_value"),
        ({"limits": Limits(orders_per_second=0)}, "limits.orders_per_second"),
        ({"limits": Limits(max_quantity_by_symbol={"INFY": 0})}, "limits.max_quantity.INFY"),
        ({"tick_size": {"INFY": Decimal("0")}}, "tick_size.INFY"),
        ({"accounts": [Account(account="a", targets={"INFY": -1})]}, "accounts[0].targets.INFY"),
        ({"accounts": [Account(account="a"), Account(account="a")]}, "accounts[1].account"),
        (
            {"accounts": [Account(account="a", targets={"INFY": 1}, cash=Decimal("-1"))]},
            "accounts[0].cash",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(changes, field):
    with pytest.raises(InvalidInput) as raised:
        plan(_request(**changes))

    assert raised.value.field == field


def test_more_slices_than_the_day_has_left_is_an_error():
    request = _request(limits=Limits(max_quantity=1, orders_used_today=4_999))

    with pytest.raises(LimitExceeded, match=r"needs 2 orders but only 1 are left today"):
        plan(request)


def test_a_value_cap_below_one_share_is_an_error():
    with pytest.raises(LimitExceeded, match=r"limits\.max_value"):
        plan(_request(limits=Limits(max_value=Decimal("1000.00"))))


def test_funding_cuts_buys_and_lists_them_as_skipped_for_funds():
    request = _request(
        prices={"INFY": Decimal("1000.00"), "TCS": Decimal("1000.00")},
        tick_size={},
        collar=Decimal("0"),
        buy_charges_rate=Decimal("0"),
        accounts=[Account(account="a", targets={"INFY": 3, "TCS": 3}, cash=Decimal("4500.00"))],
    )

    result = plan(request)

    assert [(o.symbol, o.quantity) for o in result.orders] == [("INFY", 2), ("TCS", 2)]
    assert [(k.symbol, k.quantity, k.reason) for k in result.skipped] == [
        ("INFY", 1, "funds"),
        ("TCS", 1, "funds"),
    ]


def test_without_crossing_a_symbol_bought_and_sold_gets_two_orders_never_netted():
    request = _request(
        accounts=[
            Account(account="a", holdings={"INFY": 10}, targets={"INFY": 0}),
            Account(account="b", targets={"INFY": 4}),
        ]
    )

    result = plan(request)

    assert [(o.id, o.quantity) for o in result.orders] == [("INFY-SELL", 10), ("INFY-BUY", 4)]
    assert result.orders[0].slices[0].send_after_ms <= result.orders[1].slices[0].send_after_ms


def test_with_crossing_only_the_net_goes_to_the_broker():
    request = _request(
        batch="b17",
        cross=True,
        accounts=[
            Account(account="a", holdings={"INFY": 10}, targets={"INFY": 0}),
            Account(account="b", targets={"INFY": 4}),
        ],
    )

    result = plan(request)

    assert [(o.id, o.quantity) for o in result.orders] == [("b17-INFY-SELL", 6)]
    assert [(c.account, c.side, c.quantity) for c in result.crossings] == [
        ("a", Side.SELL, 4),
        ("b", Side.BUY, 4),
    ]


def test_contract_example_limit_price_and_order_id():
    result = plan(_request())

    (order,) = result.orders
    assert order.id == "INFY-BUY"
    assert order.limit_price == Decimal("1535.55")
    assert [(s.quantity, s.send_after_ms) for s in order.slices] == [(2, 0)]
