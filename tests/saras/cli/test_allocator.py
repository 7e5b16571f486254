import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from allocator.errors import AllocatorError
from saras.allocator_json.commands import run
from saras.allocator_json.demo import example_text
from saras.allocator_json.schemas import SCHEMAS
from tests.allocator.strategies import plan_requests

ALLOCATE_EXAMPLE = {
    "order": {"id": "b17-INFY-BUY", "symbol": "INFY", "side": "BUY"},
    "participants": [{"account": "sub-17", "quantity": 40}, {"account": "sub-9", "quantity": 30}],
    "fills": [
        {"trade_id": "T1", "quantity": 25, "price": "1520.35", "time": "2026-11-25T10:01:02+05:30"}
    ],
    "charges": "18.40",
}
SIZE_EXAMPLE = {
    "amount": "50000.00",
    "weights": {"INFY": "0.40", "TCS": "0.60"},
    "prices": {"INFY": "1520.35", "TCS": "3890.10"},
    "tick_size": {},
    "collar": "0.01",
    "buy_charges_rate": "0.00120",
}
CHARGES_EXAMPLE = {
    "date": "2026-11-25",
    "trades": [{"symbol": "INFY", "side": "BUY", "quantity": 10, "price": "1520.35"}],
}


def _saras(*args, stdin=""):
    return subprocess.run(
        [sys.executable, "-m", "saras", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def _valid_output(command, text):
    document = json.loads(text)
    Draft202012Validator(SCHEMAS[command][1]).validate(document)
    return document


def test_allocate_contract_example_gives_the_contract_output():
    output = _valid_output("allocate", run("allocate", json.dumps(ALLOCATE_EXAMPLE)))

    assert output == {
        "filled": 25,
        "unfilled": 45,
        "value": "38008.75",
        "charges": "18.40",
        "allocations": [
            {
                "account": "sub-17",
                "quantity": 14,
                "unfilled": 26,
                "value": "21284.90",
                "average_price": "1520.3500",
                "charges": "10.30",
            },
            {
                "account": "sub-9",
                "quantity": 11,
                "unfilled": 19,
                "value": "16723.85",
                "average_price": "1520.3500",
                "charges": "8.10",
            },
        ],
    }


def test_size_and_charges_examples_validate_against_their_output_schemas():
    size = _valid_output("size", run("size", json.dumps(SIZE_EXAMPLE)))
    charges = _valid_output("charges", run("charges", json.dumps(CHARGES_EXAMPLE)))

    assert size["quantities"] == {"INFY": 13, "TCS": 7}
    assert charges == {
        "stt": "15.00",
        "exchange": "0.47",  # NSE 0.00297 % + IPFT 0.0001 %
        "sebi": "0.02",
        "stamp": "2.00",
        "gst": "0.09",
        "dp": "0.00",
        "total": "17.58",
    }


def _document(request):
    def money(value):
        return str(value)

    return {
        "batch": request.batch,
        "prices": {s: money(p) for s, p in request.prices.items()},
        "tick_size": {s: money(t) for s, t in request.tick_size.items()},
        "accounts": [
            {
                "account": a.account,
                "holdings": dict(a.holdings),
                "targets": dict(a.targets),
                **({"cash": money(a.cash)} if a.cash is not None else {}),
            }
            for a in request.accounts
        ],
        "limits": {
            "max_quantity": {
                "default": request.limits.max_quantity,
                **request.limits.max_quantity_by_symbol,
            },
            "max_value": money(request.limits.max_value),
            "orders_per_second": request.limits.orders_per_second,
            "orders_per_minute": request.limits.orders_per_minute,
            "orders_per_day": request.limits.orders_per_day,
            "orders_used_today": request.limits.orders_used_today,
        },
        "collar": money(request.collar),
        "buy_charges_rate": money(request.buy_charges_rate),
        "min_trade_value": money(request.min_trade_value),
        "cross": request.cross,
    }


@given(request=plan_requests())
def test_plan_output_is_valid_sorted_and_byte_for_byte_repeatable(request):
    text = json.dumps(_document(request))

    first, second = run("plan", text), run("plan", text)

    assert first == second
    output = _valid_output("plan", first)
    rank = {"SELL": 0, "BUY": 1}
    for key, items in (("crossings", output["crossings"]), ("skipped", output["skipped"])):
        keys = [(i["symbol"], rank[i["side"]], i["account"]) for i in items]
        assert keys == sorted(keys), key
    orders = [(o["symbol"], rank[o["side"]]) for o in output["orders"]]
    assert orders == sorted(orders)


def test_the_bundled_example_plans_with_crossings_skips_and_slices():
    output = _valid_output("plan", run("plan", example_text()))

    assert output["crossings"]
    assert output["skipped"]
    assert any(len(o["slices"]) > 1 for o in output["orders"])


@pytest.mark.parametrize(
    ("command", "text", "message"),
    [
        ("plan", "{", "input: not valid JSON"),
        (
            "plan",
            '{"prices": {"INFY": 1520.35}, "accounts": [], "limits": {}}',
            "prices.INFY: expected a non-negative decimal string",
        ),
        (
            "plan",
            '{"prices": {}, "accounts": [], "limits": {}, "colar": "0.01"}',
            "colar: is not a known key",
        ),
        ("plan", '{"prices": {}, "accounts": []}', "limits: is required"),
        (
            "plan",
            '{"prices": {"A": "1.00", "A": "2.00"}, "accounts": [], "limits": {}}',
            "key 'A' appears twice",
        ),
        (
            "plan",
            '{"prices": {"A": "1.00"}, "accounts": [{"account": "x", "targets": {"A": 1.0}}], '
            '"limits": {}}',
            "accounts[0].targets.A: expected integer, got the JSON number 1.0",
        ),
        (
            "plan",
            '{"prices": {"A": "1.00"}, "limits": {}, '
            '"accounts": [{"account": "x", "holdings": {"A": 5}, "targets": {}}]}',
            "accounts[0].targets.A: held symbol 'A' (holding 5) has no target",
        ),
        (
            "plan",
            '{"prices": {"A": "1.03"}, "tick_size": {"A": "0.05"}, "accounts": [], "limits": {}}',
            "prices.A: price 1.03 is not a multiple of the tick",
        ),
        (
            "plan",
            '{"prices": {"A": "1.00"}, "accounts": [{"account": "x", "targets": {"A": 10}}], '
            '"limits": {"max_quantity": {"default": 1}, "orders_used_today": 4995}}',
            "limits.orders_per_day: the plan needs 10 orders but only 5 are left today",
        ),
        (
            "plan",
            '{"prices": {"A": "NaN"}, "accounts": [], "limits": {}}',
            "prices.A: expected a non-negative decimal string",
        ),
        (
            "plan",
            '{"prices": {}, "accounts": [], "limits": {}, "cross": 1}',
            "cross: expected boolean, got the integer 1",
        ),
        (
            "allocate",
            json.dumps({**ALLOCATE_EXAMPLE, "fills": ALLOCATE_EXAMPLE["fills"] * 2}),
            "fills[1].trade_id: trade 'T1' appears twice",
        ),
        (
            "allocate",
            json.dumps(
                {**ALLOCATE_EXAMPLE, "fills": [{**ALLOCATE_EXAMPLE["fills"][0], "quantity": 71}]}
            ),
            "fills: 71 shares filled, more than the 70",
        ),
        (
            "allocate",
            json.dumps(
                {
                    **ALLOCATE_EXAMPLE,
                    "fills": [{**ALLOCATE_EXAMPLE["fills"][0], "time": "yesterday"}],
                }
            ),
            "fills[0].time: not an ISO 8601 time",
        ),
        (
            "allocate",
            json.dumps({**ALLOCATE_EXAMPLE, "charges": {"vat": "1.00"}}),
            "charges: expected a decimal string or named components",
        ),
        (
            "allocate",
            json.dumps(
                {**ALLOCATE_EXAMPLE, "order": {"id": "x", "symbol": "INFY", "side": "HOLD"}}
            ),
            "order.side: must be one of",
        ),
        (
            "size",
            json.dumps({**SIZE_EXAMPLE, "weights": {"INFY": "0.4", "TCS": "0.5"}}),
            "weights: must sum exactly to 1, sum to 0.9",
        ),
        (
            "charges",
            json.dumps({**CHARGES_EXAMPLE, "date": "2026-02-30"}),
            "date: not a calendar date",
        ),
        ("charges", "[]", "input: expected object, got a JSON array"),
    ],
)
def test_bad_input_is_one_message_naming_the_field_and_value(command, text, message):
    with pytest.raises(AllocatorError) as raised:
        run(command, text)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.decimals(allow_nan=False, places=3).map(str),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def near_documents(draw):
    """Valid-looking documents with keys from the contract, and random values."""
    keys = [
        "batch",
        "prices",
        "tick_size",
        "accounts",
        "limits",
        "collar",
        "cross",
        "order",
        "participants",
        "fills",
        "charges",
        "amount",
        "weights",
        "date",
        "trades",
    ]
    return {k: draw(json_values) for k in draw(st.lists(st.sampled_from(keys), unique=True))}


@given(command=st.sampled_from(sorted(SCHEMAS)), document=near_documents() | json_values)
def test_any_json_either_runs_or_is_refused_as_bad_input(command, document):
    text = json.dumps(document)
    try:
        output = run(command, text)
    except AllocatorError as error:
        message = str(error)
    else:
        message = ""
        _valid_output(command, output)
    assert "\n" not in message


@pytest.mark.integration
def test_cli_bad_input_exits_2_with_one_line_on_stderr_and_nothing_on_stdout():
    result = _saras(
        "allocator", "plan", stdin='{"prices": {"INFY": 1520.35}, "accounts": [], "limits": {}}'
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        "saras allocator plan: prices.INFY: expected a non-negative decimal string"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.integration
def test_cli_reads_input_from_a_file_and_writes_one_json_document(tmp_path: Path):
    source = tmp_path / "allocate.json"
    source.write_text(json.dumps(ALLOCATE_EXAMPLE))

    result = _saras("allocator", "allocate", "--input", str(source))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["value"] == "38008.75"


@pytest.mark.integration
def test_cli_missing_input_file_is_bad_input(tmp_path: Path):
    result = _saras("allocator", "size", "--input", str(tmp_path / "nope.json"))

    assert result.returncode == 2
    assert "--input: cannot read" in result.stderr


@pytest.mark.integration
def test_cli_demo_prints_the_plan_and_every_allocation():
    result = _saras("allocator", "demo")

    assert result.returncode == 0, result.stderr
    assert "b17-SBIN-BUY" in result.stdout
    assert "Internal crossings" in result.stdout
    assert "604 of 697 filled" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000, "input: nested too deeply"),
        (
            '{"prices": {}, "accounts": [], "limits": {"orders_per_day": ' + "1" * 5000 + "}}",
            "input: not acceptable JSON",
        ),
        (
            '{"prices": {"A": "1.00"}, "limits": {}, '
            '"accounts": [{"account": "\\ud800", "targets": {"A": 1}}]}',
            "not valid Unicode",
        ),
        (
            '{"prices": {"A": "1.00"}, "limits": {}, '
            '"accounts": [{"account": "a\\u0000", "targets": {"A": 1}}]}',
            "accounts[0].account: expected a name",
        ),
    ],
)
def test_pathological_json_is_bad_input_not_a_crash(text, message):
    with pytest.raises(AllocatorError) as raised:
        run("plan", text)

    assert message in str(raised.value)


def test_a_plan_needing_a_trillion_slices_is_refused_before_any_is_built():
    text = json.dumps(
        {
            "prices": {"X": "1.00"},
            "accounts": [{"account": "a", "targets": {"X": 10**12}}],
            "limits": {"max_quantity": {"default": 1}},
        }
    )

    with pytest.raises(AllocatorError, match="needs 1000000000000 orders"):
        run("plan", text)


@pytest.mark.integration
def test_cli_refuses_input_that_is_not_utf8_and_escapes_control_characters():
    not_utf8 = subprocess.run(
        [sys.executable, "-m", "saras", "allocator", "plan"],
        input=b'{"prices": {}, "accounts": [{"account": "\xff"}], "limits": {}}',
        capture_output=True,
        check=False,
    )
    newline_key = _saras(
        "allocator", "plan", stdin='{"prices": {}, "accounts": [], "limits": {}, "x\\ny": 1}'
    )

    assert not_utf8.returncode == 2
    assert b"input: not UTF-8" in not_utf8.stderr
    assert newline_key.returncode == 2
    assert newline_key.stderr == "saras allocator plan: x\\ny: is not a known key\n"
