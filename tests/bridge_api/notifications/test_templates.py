"""Messages show rupees as people in India read them, each investor their own part."""

from __future__ import annotations

from bridge_api.notifications.events import EventKind
from bridge_api.notifications.templates import render


def test_amounts_and_prices_are_in_indian_grouping():
    payin = render(
        EventKind.PAYIN_RECEIVED, {"amount": "123456.5", "reference": "UTR1"}, user_id=7
    )
    allocated = render(
        EventKind.ORDER_ALLOCATED,
        {
            "order": "b1-TCS-BUY",
            "symbol": "TCS",
            "side": "BUY",
            "average_price": "13594.65",
            "per_user": {"7": {"shares": 2}, "8": {"shares": 5}},
        },
        user_id=7,
    )

    assert payin.title == "Pay-in of ₹1,23,456.50 received"
    assert "₹1,23,456.50 (reference UTR1)" in payin.text
    assert "2 TCS at an average price of ₹13,594.6500" in allocated.text
