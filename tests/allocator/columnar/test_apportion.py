import hashlib

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from allocator.apportion import split
from allocator.columnar.apportion import (
    Grouped,
    TieBreaker,
    messages,
    split_array,
    split_grouped,
    split_grouped_parts,
)

names = st.lists(
    st.text("abcxyz019-", min_size=1, max_size=5), unique=True, min_size=1, max_size=40
)


@given(names=names, data=st.data())
def test_the_tie_breaker_picks_the_smallest_full_digests(names, data):
    positions = np.arange(len(names))
    count = data.draw(st.integers(min_value=1, max_value=len(names)))
    ties = TieBreaker("b1-INFY-BUY", np.array(names, dtype=np.str_))

    chosen = ties.smallest(positions, count)

    expected = sorted(names, key=lambda n: hashlib.sha256(f"b1-INFY-BUY:{n}".encode()).digest())[
        :count
    ]
    assert sorted(names[i] for i in chosen.tolist()) == sorted(expected)


@given(names=st.lists(st.text(max_size=12), max_size=30), prefix=st.binary(max_size=20))
def test_messages_are_the_prefix_and_the_utf8_name(names, prefix):
    # ASCII-only arrays take the numpy buffer, any other character the per-name path; a numpy
    # string array drops its items' trailing NULs, so the array's own items are the names.
    array = np.array(names, dtype=np.str_)

    assert messages(prefix, array) == [prefix + name.encode() for name in array.tolist()]


@given(
    names=st.lists(
        # A numpy string array drops trailing NULs: such names are not the caller's names.
        st.text(min_size=1, max_size=8).filter(lambda n: not n.endswith("\x00")),
        unique=True,
        min_size=1,
        max_size=40,
    ),
    data=st.data(),
)
def test_the_tie_breaker_ranks_any_names_by_sha256_of_their_utf8(names, data):
    array = np.array(names, dtype=np.str_)
    count = data.draw(st.integers(min_value=1, max_value=len(names)))
    index = np.array(data.draw(st.permutations(range(len(names)))), dtype=np.intp)
    ties = TieBreaker("b1-INFY-BUY", array, index)

    chosen = ties.smallest(np.arange(len(names)), count)

    by_hash = sorted(
        array.tolist(), key=lambda n: hashlib.sha256(f"b1-INFY-BUY:{n}".encode()).digest()
    )
    assert sorted(array[index[chosen]].tolist()) == sorted(by_hash[:count])


@given(
    names=names,
    total=st.integers(min_value=0, max_value=10**12),
    data=st.data(),
)
def test_split_array_equals_the_scalar_split(names, total, data):
    weights = data.draw(
        st.lists(
            st.integers(min_value=0, max_value=10**6), min_size=len(names), max_size=len(names)
        )
    )
    if sum(weights) == 0:
        weights[0] = 1

    columnar = split_array(
        total, np.array(weights, dtype=np.int64), TieBreaker("s", np.array(names, dtype=np.str_))
    )

    assert columnar.tolist() == split(total, weights, names, "s")


def test_split_array_beyond_int64_products_stays_exact():
    weights = np.array([3 * 10**12, 10**12 + 7, 1], dtype=np.int64)
    total = 10**9 + 3

    parts = split_array(total, weights, TieBreaker("s", np.array(["a", "b", "c"])))

    assert parts.tolist() == split(total, weights.tolist(), ["a", "b", "c"], "s")


@given(
    names=names,
    totals=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=4),
    data=st.data(),
)
def test_chained_grouped_splits_equal_the_scalar_splits(names, totals, data):
    # As an allocation chains them: shares by requests, values by shares, charges by values.
    weights = data.draw(
        st.lists(st.integers(min_value=0, max_value=6), min_size=len(names), max_size=len(names))
    )
    if sum(weights) == 0:
        weights[0] = 1
    ties = TieBreaker("s", np.array(names, dtype=np.str_))
    grouped = Grouped.of(np.array(weights, dtype=np.int64), max_rows=7)
    assert grouped is not None

    expected = weights
    for total in totals:
        if sum(expected) == 0:
            break
        last = split_grouped_parts(total, grouped, ties)
        parts, grouped = split_grouped(total, grouped, ties)
        expected = split(total, expected, names, "s")
        assert parts.tolist() == last.tolist() == expected
        assert grouped.expand(grouped.values).tolist() == expected
        assert grouped.counts == np.bincount(grouped.labels, minlength=len(grouped.values)).tolist()


def test_weights_outside_the_table_are_not_grouped():
    assert Grouped.of(np.array([1, 4096], dtype=np.int64), max_rows=4096) is None
    assert Grouped.of(np.array([-1, 2], dtype=np.int64), max_rows=4096) is None
