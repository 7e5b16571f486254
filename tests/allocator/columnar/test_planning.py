from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings

from allocator import Account, AllocatorError, PlanRequest, plan
from allocator.columnar.planning import book_from_request, plan_columnar, to_plan
from allocator.errors import InvalidInput
from benchmarks.books import rebalance_request
from tests.allocator.strategies import plan_requests


def _either(function, *args):
    try:
        return function(*args)
    except AllocatorError as error:
        return type(error), error.field


@settings(max_examples=400)
@given(request=plan_requests())
def test_the_columnar_plan_equals_the_scalar_plan(request):
    def columnar(r):
        columnar_request = book_from_request(r)
        return to_plan(columnar_request, plan_columnar(columnar_request))

    assert _either(columnar, request) == _either(plan, request)


@given(request=plan_requests())
def test_columnar_orders_carry_book_rows_that_sum_to_the_order(request):
    columnar_request = book_from_request(request)
    try:
        result = plan_columnar(columnar_request)
    except AllocatorError:
        return
    book = columnar_request.book
    for order in result.orders:
        assert order.quantities.sum() == order.quantity
        assert (book.row_symbol[order.rows] == book.symbols.index(order.symbol)).all()
        assert (np.diff(order.rows) > 0).all()


def _small_request():
    return PlanRequest(
        prices={"INFY": Decimal("1520.35")},
        accounts=[
            Account(account="a", holdings={"INFY": 1}, targets={"INFY": 3}),
            Account(account="b", targets={"INFY": 2}),
        ],
    )


def test_an_unsorted_book_is_refused():
    request = book_from_request(_small_request())
    broken = replace(request.book, accounts=np.array(["b", "a"]))

    with pytest.raises(InvalidInput, match="accounts"):
        plan_columnar(replace(request, book=broken))


def test_a_book_with_two_rows_for_one_pair_is_refused():
    request = book_from_request(_small_request())
    book = request.book
    broken = replace(
        book,
        row_account=np.array([0, 0], dtype=np.int32),
        row_symbol=np.array([0, 0], dtype=np.uint16),
    )

    with pytest.raises(InvalidInput, match="one row per pair"):
        plan_columnar(replace(request, book=broken))


def _scalar_request(columnar_request):
    book = columnar_request.book
    accounts = []
    for index, name in enumerate(book.accounts.tolist()):
        rows = np.flatnonzero(book.row_account == index)
        symbols = [book.symbols[s] for s in book.row_symbol[rows].tolist()]
        cash = int(book.cash[index])
        accounts.append(
            Account(
                account=name,
                holdings=dict(zip(symbols, book.holding[rows].tolist(), strict=True)),
                targets=dict(zip(symbols, book.target[rows].tolist(), strict=True)),
                cash=None if cash < 0 else Decimal(cash).scaleb(-2),
            )
        )
    return PlanRequest(
        prices={
            s: Decimal(int(p)).scaleb(-2) for s, p in zip(book.symbols, book.price, strict=True)
        },
        tick_size={
            s: Decimal(int(t)).scaleb(-2) for s, t in zip(book.symbols, book.tick, strict=True)
        },
        accounts=accounts,
        limits=columnar_request.limits,
        batch=columnar_request.batch,
        collar=columnar_request.collar,
        buy_charges_rate=columnar_request.buy_charges_rate,
        min_trade_value=columnar_request.min_trade_value,
        cross=columnar_request.cross,
    )


@pytest.mark.parametrize("cross", [True, False])
def test_a_thousand_account_rebalance_plans_identically_on_both_paths(cross):
    columnar_request = rebalance_request(1_000, 20, seed=3, cross=cross)

    columnar = to_plan(columnar_request, plan_columnar(columnar_request))

    assert columnar == plan(_scalar_request(columnar_request))
    assert columnar.orders
    assert any(k.reason == "funds" for k in columnar.skipped)
