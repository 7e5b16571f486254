from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator.apportion import split, tie_key
from allocator.errors import InvalidInput

weights_lists = st.lists(
    st.integers(min_value=0, max_value=10_000), min_size=1, max_size=30
).filter(lambda w: sum(w) > 0)


@given(
    total=st.integers(min_value=0, max_value=10**9), weights=weights_lists, seed=st.text(max_size=8)
)
def test_split_conserves_the_total_and_stays_within_one_unit_of_the_exact_share(
    total, weights, seed
):
    keys = [f"a{i}" for i in range(len(weights))]

    parts = split(total, weights, keys, seed)

    assert sum(parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total * weight, whole)) < 1
        assert part >= 0


@given(weights=weights_lists, data=st.data())
def test_split_never_gives_a_party_more_than_its_weight_when_the_total_fits(weights, data):
    total = data.draw(st.integers(min_value=0, max_value=sum(weights)))
    keys = [f"a{i}" for i in range(len(weights))]

    parts = split(total, weights, keys, "seed")

    assert all(p <= w for p, w in zip(parts, weights, strict=True))


@given(weights=weights_lists, total=st.integers(min_value=0, max_value=10**6), data=st.data())
def test_split_is_independent_of_the_order_parties_are_given_in(weights, total, data):
    keys = [f"a{i}" for i in range(len(weights))]
    order = data.draw(st.permutations(range(len(weights))))

    parts = dict(zip(keys, split(total, weights, keys, "s"), strict=True))
    shuffled = split(total, [weights[i] for i in order], [keys[i] for i in order], "s")

    assert {keys[i]: p for i, p in zip(order, shuffled, strict=True)} == parts


def test_split_gives_tied_leftovers_in_hash_order_of_the_seeded_key():
    keys = ["sub-1", "sub-2", "sub-3"]
    order = sorted(keys, key=lambda k: tie_key("b1-INFY-BUY", k))

    parts = dict(zip(keys, split(2, [1, 1, 1], keys, "b1-INFY-BUY"), strict=True))

    assert parts[order[0]] == parts[order[1]] == 1
    assert parts[order[2]] == 0


def test_split_tie_break_does_not_favour_one_party_across_orders():
    keys = ["sub-1", "sub-2"]

    winners = {keys[split(1, [5, 5], keys, f"order-{n}").index(1)] for n in range(50)}

    assert winners == {"sub-1", "sub-2"}


def test_split_prefers_the_larger_remainder_over_the_hash():
    # 10 * 3/7 = 4.29, 10 * 4/7 = 5.71: the second party takes the leftover unit.
    assert split(10, [3, 4], ["z", "a"], "any") == [4, 6]


def test_split_of_a_positive_total_over_zero_weights_is_refused():
    with pytest.raises(InvalidInput, match="weights"):
        split(5, [0, 0], ["a", "b"], "s")


def test_tie_key_is_sha256_of_seed_colon_key():
    assert tie_key("b17:INFY", "sub-9") == (
        __import__("hashlib").sha256(b"b17:INFY:sub-9").hexdigest()
    )
