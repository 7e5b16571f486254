"""What each event says: a title and a plain-text body per language (English and Hindi),
and the simple HTML an e-mail carries beside the text."""

from __future__ import annotations

import html
import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bridge_api.formats import rupees
from bridge_api.notifications.events import EventKind

LANGUAGES = ("en", "hi")


@dataclass(frozen=True, slots=True)
class Message:
    """One event rendered for one recipient."""

    title: str
    text: str

    @property
    def html(self) -> str:
        """The text as a small HTML document (escaped; one paragraph per line)."""
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in self.text.splitlines())
        return (
            '<!doctype html><html><body style="font-family:sans-serif">'
            f"<h2>{html.escape(self.title)}</h2>{paragraphs}</body></html>"
        )


_EN: dict[EventKind, tuple[str, str]] = {
    EventKind.ORDER_ALLOCATED: (
        "{side} {symbol}: {shares} shares allocated",
        "Your share of order {order} is {shares} {symbol} at an average price of "
        "₹{average_price} (the same price as every participant).",
    ),
    EventKind.BATCH_FINISHED: (
        "Batch {batch_id} {state}",
        "Batch {batch_id} has finished: {state}. {reason}\nYour allocation note is in Saras.",
    ),
    EventKind.REBALANCE_AVAILABLE: (
        "Rebalance available: {smallcase}",
        "{smallcase} has a new version ({version}): {note}\nAccept or skip the rebalance in Saras.",
    ),
    EventKind.KYC_DECIDED: (
        "KYC {status}",
        "Your KYC was {status}. {reason}",
    ),
    EventKind.PAYIN_RECEIVED: (
        "Pay-in of ₹{amount} received",
        "We received ₹{amount} (reference {reference}); it is free cash in your account.",
    ),
    EventKind.DRIFT_PROPOSED: (
        "Rebalance proposed: {smallcase} drifted {points} points",
        "Your {smallcase} subscription has drifted {points} percentage points from its target "
        "weights ({symbol} is furthest off), beyond the manager's band of {band} points.\n"
        "A rebalance back to the targets is proposed: accept or decline it on the "
        "subscription's page in Saras (Portfolio, {smallcase}). Nothing trades until you accept.",
    ),
    EventKind.SIP_SKIPPED: (
        "SIP skipped: {smallcase}",
        "Your SIP of ₹{amount} into {smallcase}, due on {due_on}, did not run: {reason}.\n"
        "Free cash was ₹{free}; the SIP needs ₹{amount}. It is next due on {next_on}.",
    ),
    EventKind.DIVIDEND_CREDITED: (
        "Dividend of ₹{net} credited: {symbol}",
        "{symbol} paid a dividend of ₹{per_share} a share on the {held} shares your "
        "subscriptions held on the record date {record_date}: ₹{gross} gross, ₹{tds} tax "
        "deducted at source, ₹{net} credited to your subscriptions' cash on {paid_on}.\n"
        "The TDS is your share of what the company deducted from the pooled account's dividend "
        "(under the account holder's PAN); the year's dividends are on the Tax page in Saras.",
    ),
    EventKind.KITE_TOKEN_EXPIRING: (
        "Kite session ends at {expires_at}",
        "Today's Kite session ends at {expires_at}. Snapshot the day's books if needed, and "
        "log in again after it ends with `saras kite login`.",
    ),
    EventKind.KITE_TOKEN_EXPIRED: (
        "Kite session ended: log in",
        "{message}\nTrading is halted until `saras kite login`.",
    ),
    EventKind.RECONCILIATION_BREAK: (
        "Reconciliation break",
        "{message}\nSee `saras reconcile` and the stored report.",
    ),
    EventKind.ENGINE_HALTED: ("Engine halted", "{message}"),
    EventKind.OPERATOR_ALERT: ("Alert: {alert_kind}", "{message}"),
}

_HI: dict[EventKind, tuple[str, str]] = {
    EventKind.ORDER_ALLOCATED: (
        "{symbol}: {shares} शेयर आवंटित",
        "ऑर्डर {order} में आपका हिस्सा {shares} {symbol}, औसत मूल्य ₹{average_price}।",
    ),
    EventKind.BATCH_FINISHED: (
        "बैच {batch_id}: {state}",
        "बैच {batch_id} पूरा हुआ: {state}। {reason}",
    ),
    EventKind.REBALANCE_AVAILABLE: (
        "रीबैलेंस उपलब्ध: {smallcase}",
        "{smallcase} का नया संस्करण ({version}): {note}\nSaras में स्वीकार करें या छोड़ें।",
    ),
    EventKind.KYC_DECIDED: ("केवाईसी: {status}", "आपका केवाईसी {status} हुआ। {reason}"),
    EventKind.PAYIN_RECEIVED: (
        "₹{amount} प्राप्त हुए",
        "₹{amount} प्राप्त हुए (संदर्भ {reference}); यह आपके खाते में उपलब्ध है।",
    ),
    EventKind.DRIFT_PROPOSED: (
        "रीबैलेंस प्रस्तावित: {smallcase} {points} अंक खिसका",
        "आपका {smallcase} सब्सक्रिप्शन अपने लक्ष्य भार से {points} प्रतिशत अंक खिसक गया है "
        "({symbol} सबसे दूर), जो मैनेजर की {band} अंक की सीमा से अधिक है।\n"
        "लक्ष्य पर लौटने का रीबैलेंस प्रस्तावित है: Saras में सब्सक्रिप्शन के पेज "
        "(पोर्टफोलियो, {smallcase}) पर स्वीकार या अस्वीकार करें। स्वीकार करने तक कुछ नहीं होगा।",
    ),
    EventKind.SIP_SKIPPED: (
        "SIP छूटी: {smallcase}",
        "{smallcase} में ₹{amount} की आपकी SIP, जो {due_on} को देय थी, नहीं चली: {reason}।\n"
        "मुक्त नकदी ₹{free} थी; SIP को ₹{amount} चाहिए। अगली तिथि {next_on} है।",
    ),
    EventKind.DIVIDEND_CREDITED: (
        "₹{net} लाभांश जमा: {symbol}",
        "{symbol} ने रिकॉर्ड तिथि {record_date} को आपके {held} शेयरों पर ₹{per_share} प्रति "
        "शेयर लाभांश दिया: सकल ₹{gross}, स्रोत पर कर (TDS) ₹{tds}, {paid_on} को ₹{net} जमा।\n"
        "TDS पूल्ड खाते के लाभांश से (खाताधारक के PAN पर) काटे गए कर में आपका हिस्सा है; "
        "वर्ष के लाभांश Saras के कर पेज पर हैं।",
    ),
}


def render(kind: str, data: Mapping[str, Any], *, user_id: int, language: str = "en") -> Message:
    """The event as `user_id` reads it: the data, with that user's own part (``per_user``)
    on top. Hindi where a template exists, else English; a missing field renders empty."""
    event = EventKind(kind)
    chosen = (_HI if language == "hi" else _EN).get(event) or _EN[event]
    context = {k: v for k, v in data.items() if k != "per_user"}
    context.update(data.get("per_user", {}).get(str(user_id), {}))
    title, text = (_fill(part, context) for part in chosen)
    return Message(title=title[:200], text=text.strip()[:2000])


def _fill(template: str, context: Mapping[str, Any]) -> str:
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format_map({name: _plain(context.get(name, ""), name) for name in fields})


_MONEY = {
    "amount": 2,
    "average_price": 4,
    "free": 2,
    "gross": 2,
    "tds": 2,
    "net": 2,
    "per_share": 4,
}
"""Fields that hold rupees (as decimal strings), and their decimals."""


def _plain(value: Any, name: str = "") -> str:
    if value is None:
        return ""
    if name in _MONEY:
        try:
            return rupees(Decimal(str(value)), _MONEY[name]).removeprefix("₹")
        except InvalidOperation:
            return str(value)
    return str(value)
