"""Messages show rupees as people in India read them, each investor their own part."""

from __future__ import annotations

from bridge_api.notifications.events import EventKind
from bridge_api.notifications.templates import render


def test_amounts_and_prices_are_in_indian_grouping():
    payin = render(EventKind.PAYIN_RECEIVED, {"amount": "123456.5", "reference": "UTR1"}, user_id=7)
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


def test_a_dividend_is_told_in_each_investors_own_figures_in_hindi_too():
    data = {
        "symbol": "INFY",
        "per_share": "21.5",
        "record_date": "2026-11-26",
        "paid_on": "2026-11-27",
        "per_user": {
            "7": {"held": 6000, "gross": "129000.00", "tds": "12900.00", "net": "116100.00"},
            "8": {"held": 14, "gross": "301.00", "tds": "0.00", "net": "301.00"},
        },
    }

    mine = render(EventKind.DIVIDEND_CREDITED, data, user_id=7)
    hindi = render(EventKind.DIVIDEND_CREDITED, data, user_id=7, language="hi")
    theirs = render(EventKind.DIVIDEND_CREDITED, data, user_id=8)

    assert mine.title == "Dividend of ₹1,16,100.00 credited: INFY"
    assert "₹21.5000 a share on the 6000 shares" in mine.text
    assert "₹1,29,000.00 gross, ₹12,900.00 tax deducted at source" in mine.text
    assert hindi.title == "₹1,16,100.00 लाभांश जमा: INFY"
    assert "सकल ₹1,29,000.00, स्रोत पर कर (TDS) ₹12,900.00" in hindi.text
    assert theirs.title == "Dividend of ₹301.00 credited: INFY"


def test_a_skipped_sip_and_a_drift_proposal_name_their_figures():
    skipped = render(
        EventKind.SIP_SKIPPED,
        {
            "smallcase": "IT Bellwethers",
            "amount": "250000.00",
            "free": "150000.00",
            "reason": "free cash short",
            "due_on": "2026-12-02",
            "next_on": "2026-12-09",
        },
        user_id=7,
    )
    drifted = render(
        EventKind.DRIFT_PROPOSED,
        {"smallcase": "IT Bellwethers", "points": "16.25", "symbol": "INFY", "band": "5.00"},
        user_id=7,
        language="hi",
    )

    assert skipped.title == "SIP skipped: IT Bellwethers"
    assert "due on 2026-12-02, did not run: free cash short" in skipped.text
    assert "Free cash was ₹1,50,000.00; the SIP needs ₹2,50,000.00" in skipped.text
    assert "next due on 2026-12-09" in skipped.text
    assert drifted.title == "रीबैलेंस प्रस्तावित: IT Bellwethers 16.25 अंक खिसका"
    assert "{" not in drifted.text
    assert "5.00 अंक की सीमा" in drifted.text
