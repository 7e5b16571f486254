import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from bridge_api.db.copy import binary_int8, copy_int_columns

_BIGINT = st.integers(-(2**63), 2**63 - 1)


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_BIGINT, _BIGINT), max_size=50))
def test_integer_columns_copied_in_binary_read_back_equal(session: Session, rows):
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS copied (a bigint, b bigint)"))
    session.execute(text("TRUNCATE copied"))
    a = np.array([r[0] for r in rows], dtype=np.int64)
    b = np.array([r[1] for r in rows], dtype=np.int64)

    written = copy_int_columns(session, "copied", {"a": a, "b": b})

    assert written == len(rows)
    back = session.execute(text("SELECT a, b FROM copied")).all()
    assert sorted(tuple(r) for r in back) == sorted(rows)


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="column 1"):
        binary_int8([np.arange(3), np.arange(2)])
