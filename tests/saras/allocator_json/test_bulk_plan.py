import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator import AllocatorError, plan
from saras.allocator_json import codec
from saras.allocator_json.bulk_plan import plan_text
from saras.allocator_json.commands import run
from saras.allocator_json.demo import example_text
from tests.allocator.strategies import plan_requests
from tests.saras.cli.test_allocator import _document

# Names that JSON must escape, that sort differently as UTF-8 bytes and as code points, and
# that are longer than one numpy character.
names = st.lists(
    st.text('ab"\\/é😀 Z0-', min_size=1, max_size=8).filter(str.isprintable),
    unique=True,
    min_size=8,
    max_size=8,
)


def _scalar_text(document):
    return codec.dumps(codec.encode_plan(plan(codec.decode_plan(document))))


@settings(max_examples=300)
@given(request=plan_requests(), renamed=names, data=st.data())
def test_the_bulk_plan_writes_the_scalar_plans_bytes(request, renamed, data):
    accounts = [replace(a, account=n) for a, n in zip(request.accounts, renamed, strict=False)]
    document = _document(replace(request, accounts=data.draw(st.permutations(accounts))))
    codec.validate("plan", document)

    try:
        expected = _scalar_text(document)
    except AllocatorError:
        assert plan_text(document) is None
        return
    assert plan_text(document) == expected


def test_the_bundled_example_goes_the_bulk_way_with_the_same_bytes():
    document = codec.load_valid("plan", example_text())

    assert plan_text(document) == _scalar_text(document)


def test_a_zero_holding_without_a_target_falls_back_to_the_scalar_plan():
    document = {
        "prices": {"A": "1.00", "B": "2.00"},
        "accounts": [{"account": "x", "holdings": {"A": 0, "B": 3}, "targets": {"B": 1}}],
        "limits": {},
    }

    assert plan_text(document) is None
    assert run("plan", json.dumps(document)) == _scalar_text(document)


def test_pretty_output_is_the_compact_output_indented():
    compact = run("plan", example_text())

    assert run("plan", example_text(), pretty=True) == json.dumps(
        json.loads(compact), indent=2, ensure_ascii=False
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # The compiled validator takes 1e2 for an integer; the message is still the contract's.
        (
            '{"prices": {"A": "1.00"}, "limits": {}, '
            '"accounts": [{"account": "x", "targets": {"A": 1e2}}]}',
            "accounts[0].targets.A: expected integer, got the JSON number 1E+2",
        ),
        (
            '{"prices": {"A": "1.00"}, "limits": {}, '
            '"accounts": [{"account": "x", "targets": {"\\udc00": 1}}]}',
            "not valid Unicode",
        ),
        (
            '{"prices": {"A": "1.00"}, "limits": {"orders_per_day": -1}, "accounts": []}',
            "limits.orders_per_day: must be at least 0, was -1",
        ),
        (
            '{"prices": {"A": "1.00"}, "limits": {}, "accounts": [{"account": "x"}, '
            '{"account": "x"}]}',
            "accounts[1].account: duplicate 'x'",
        ),
        (
            '{"prices": {"A": "1.00"}, "limits": {}, '
            '"accounts": [{"account": "x", "holdings": {"A": 1}, "targets": {"A": 1, "A": 2}}]}',
            "key 'A' appears twice",
        ),
    ],
)
def test_messages_that_only_the_pure_python_validator_or_the_scalar_path_give(text, message):
    with pytest.raises(AllocatorError) as raised:
        run("plan", text)

    assert message in str(raised.value)


def test_an_escaped_surrogate_pair_is_one_valid_character():
    text = (
        '{"prices": {"A": "1.00"}, "limits": {}, '
        '"accounts": [{"account": "\\ud83d\\ude00", "targets": {"A": 1}}]}'
    )

    output = json.loads(run("plan", text))

    assert output["orders"][0]["participants"] == [{"account": "😀", "quantity": 1}]
