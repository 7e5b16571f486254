"""JSON Schemas (draft 2020-12) for every input and output of ``saras allocator``.

They are the published contract: ``docs/allocator-cli.md`` embeds them (a test keeps the two
identical) and ``saras allocator schema COMMAND`` prints them. Every input is validated against
its schema before the allocator sees it; the tests validate every output against its schema.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_ID = "https://saras.dev/schemas/allocator"

DECIMAL: Schema = {
    "type": "string",
    "pattern": r"^[0-9]{1,15}(\.[0-9]{1,12})?$",
    "title": 'a non-negative decimal string such as "1520.35"',
}
MONEY_OUT: Schema = {
    "type": "string",
    "pattern": r"^[0-9]+\.[0-9]{2}$",
    "title": "rupees with exactly two decimals",
}
PRICE4_OUT: Schema = {
    "type": "string",
    "pattern": r"^[0-9]+\.[0-9]{4}$",
    "title": "rupees with exactly four decimals",
}
QUANTITY: Schema = {"type": "integer", "minimum": 0, "maximum": 10**12}
POSITIVE_QUANTITY: Schema = {"type": "integer", "minimum": 1, "maximum": 10**12}
NAME: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": "^[^\\x00-\\x1f\\x7f]+$",
    "title": "a name of 1 to 64 printable characters",
}
SIDE: Schema = {"enum": ["SELL", "BUY"]}


def _object(properties: Schema, required: list[str] | None = None) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": False,
    }


def _by_symbol(values: Schema) -> Schema:
    return {"type": "object", "propertyNames": NAME, "additionalProperties": values}


def _document(command: str, direction: str, body: Schema) -> Schema:
    return {"$schema": _DIALECT, "$id": f"{_ID}/{command}.{direction}.json", **body}


_CHARGE_NAMES = ["stt", "exchange", "sebi", "stamp", "gst", "dp", "total"]


def _charges(money: Schema) -> Schema:
    return {
        "oneOf": [
            money,
            {
                "type": "object",
                "propertyNames": {"enum": _CHARGE_NAMES},
                "additionalProperties": money,
                "minProperties": 1,
            },
        ]
    }


PLAN_INPUT = _document(
    "plan",
    "input",
    _object(
        {
            "batch": {"type": "string", "maxLength": 64, "default": ""},
            "prices": _by_symbol(DECIMAL),
            "tick_size": {**_by_symbol(DECIMAL), "default": {}},
            "accounts": {
                "type": "array",
                "items": _object(
                    {
                        "account": NAME,
                        "holdings": _by_symbol(QUANTITY),
                        "targets": _by_symbol(QUANTITY),
                        "cash": DECIMAL,
                    },
                    ["account"],
                ),
            },
            "limits": _object(
                {
                    "max_quantity": {
                        "type": "object",
                        "propertyNames": NAME,
                        "additionalProperties": POSITIVE_QUANTITY,
                        "default": {"default": 100000},
                    },
                    "max_value": {**DECIMAL, "default": "100000000.00"},
                    "orders_per_second": {**POSITIVE_QUANTITY, "default": 10},
                    "orders_per_minute": {**POSITIVE_QUANTITY, "default": 400},
                    "orders_per_day": {**QUANTITY, "default": 5000},
                    "orders_used_today": {**QUANTITY, "default": 0},
                }
            ),
            "collar": {**DECIMAL, "default": "0.01"},
            "buy_charges_rate": {**DECIMAL, "default": "0.00120"},
            "min_trade_value": {**DECIMAL, "default": "0.00"},
            "cross": {"type": "boolean", "default": False},
        },
        ["prices", "accounts", "limits"],
    ),
)

PLAN_OUTPUT = _document(
    "plan",
    "output",
    _object(
        {
            "crossings": {
                "type": "array",
                "items": _object(
                    {
                        "symbol": NAME,
                        "account": NAME,
                        "side": SIDE,
                        "quantity": POSITIVE_QUANTITY,
                        "price": MONEY_OUT,
                    },
                    ["symbol", "account", "side", "quantity", "price"],
                ),
            },
            "orders": {
                "type": "array",
                "items": _object(
                    {
                        "id": {"type": "string"},
                        "symbol": NAME,
                        "side": SIDE,
                        "quantity": POSITIVE_QUANTITY,
                        "limit_price": MONEY_OUT,
                        "participants": {
                            "type": "array",
                            "minItems": 1,
                            "items": _object(
                                {"account": NAME, "quantity": POSITIVE_QUANTITY},
                                ["account", "quantity"],
                            ),
                        },
                        "slices": {
                            "type": "array",
                            "minItems": 1,
                            "items": _object(
                                {
                                    "quantity": POSITIVE_QUANTITY,
                                    "send_after_ms": {"type": "integer", "minimum": 0},
                                },
                                ["quantity", "send_after_ms"],
                            ),
                        },
                    },
                    ["id", "symbol", "side", "quantity", "limit_price", "participants", "slices"],
                ),
            },
            "skipped": {
                "type": "array",
                "items": _object(
                    {
                        "account": NAME,
                        "symbol": NAME,
                        "side": SIDE,
                        "quantity": POSITIVE_QUANTITY,
                        "reason": {"enum": ["min_trade_value", "funds"]},
                    },
                    ["account", "symbol", "side", "quantity", "reason"],
                ),
            },
        },
        ["crossings", "orders", "skipped"],
    ),
)

ALLOCATE_INPUT = _document(
    "allocate",
    "input",
    _object(
        {
            "order": _object(
                {"id": {"type": "string", "maxLength": 128}, "symbol": NAME, "side": SIDE},
                ["id", "symbol", "side"],
            ),
            "participants": {
                "type": "array",
                "minItems": 1,
                "items": _object(
                    {"account": NAME, "quantity": POSITIVE_QUANTITY}, ["account", "quantity"]
                ),
            },
            "fills": {
                "type": "array",
                "items": _object(
                    {
                        "trade_id": {"type": "string", "minLength": 1, "maxLength": 64},
                        "quantity": POSITIVE_QUANTITY,
                        "price": DECIMAL,
                        "time": {"type": "string", "minLength": 1, "maxLength": 64},
                    },
                    ["trade_id", "quantity", "price", "time"],
                ),
            },
            "charges": {**_charges(DECIMAL), "default": "0.00"},
        },
        ["order", "participants", "fills"],
    ),
)

ALLOCATE_OUTPUT = _document(
    "allocate",
    "output",
    _object(
        {
            "filled": QUANTITY,
            "unfilled": QUANTITY,
            "value": MONEY_OUT,
            "charges": _charges(MONEY_OUT),
            "allocations": {
                "type": "array",
                "items": _object(
                    {
                        "account": NAME,
                        "quantity": QUANTITY,
                        "unfilled": QUANTITY,
                        "value": MONEY_OUT,
                        "average_price": PRICE4_OUT,
                        "charges": _charges(MONEY_OUT),
                    },
                    ["account", "quantity", "unfilled", "value", "average_price", "charges"],
                ),
            },
        },
        ["filled", "unfilled", "value", "charges", "allocations"],
    ),
)

SIZE_INPUT = _document(
    "size",
    "input",
    _object(
        {
            "amount": DECIMAL,
            "weights": {**_by_symbol(DECIMAL), "minProperties": 1},
            "prices": _by_symbol(DECIMAL),
            "tick_size": {**_by_symbol(DECIMAL), "default": {}},
            "collar": {**DECIMAL, "default": "0.01"},
            "buy_charges_rate": {**DECIMAL, "default": "0.00120"},
        },
        ["amount", "weights", "prices"],
    ),
)

SIZE_OUTPUT = _document(
    "size",
    "output",
    _object(
        {
            "quantities": _by_symbol(QUANTITY),
            "invested": MONEY_OUT,
            "cash_left": MONEY_OUT,
            "minimum_amount": MONEY_OUT,
            "weights": _by_symbol(
                {"type": "string", "pattern": r"^[01]\.[0-9]{6}$", "title": "six decimals"}
            ),
        },
        ["quantities", "invested", "cash_left", "minimum_amount", "weights"],
    ),
)

CHARGES_INPUT = _document(
    "charges",
    "input",
    _object(
        {
            "date": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "trades": {
                "type": "array",
                "items": _object(
                    {
                        "symbol": NAME,
                        "side": SIDE,
                        "quantity": POSITIVE_QUANTITY,
                        "price": DECIMAL,
                    },
                    ["symbol", "side", "quantity", "price"],
                ),
            },
        },
        ["date", "trades"],
    ),
)

CHARGES_OUTPUT = _document(
    "charges",
    "output",
    _object(dict.fromkeys(_CHARGE_NAMES, MONEY_OUT), list(_CHARGE_NAMES)),
)

SCHEMAS: dict[str, tuple[Schema, Schema]] = {
    "size": (SIZE_INPUT, SIZE_OUTPUT),
    "plan": (PLAN_INPUT, PLAN_OUTPUT),
    "allocate": (ALLOCATE_INPUT, ALLOCATE_OUTPUT),
    "charges": (CHARGES_INPUT, CHARGES_OUTPUT),
}
"""command -> (input schema, output schema)."""
