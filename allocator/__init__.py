"""Saras allocator: pure, exact consolidation of many subscriptions into broker orders.

No I/O, no wall clock, no Lean, FastAPI or SQLAlchemy: inputs in, new values out, the same
output for the same input. Quantities are whole shares (`int`), prices and money `Decimal`
rupees, computed internally in integer paise. `allocator.columnar` holds the numpy paths for
large batches, which give the same results.
"""

from allocator.charges import (
    ChargeBreakdown,
    ContractNote,
    NoteLine,
    ScripDay,
    Trade,
    contract_note,
    delivery_charges,
    netted_charges,
    rates_on,
    split_charges,
)
from allocator.domain import (
    Account,
    Allocation,
    Charges,
    Crossing,
    Fill,
    Limits,
    Order,
    OrderAllocation,
    Participant,
    Plan,
    PlanRequest,
    Side,
    Skip,
    Slice,
)
from allocator.errors import (
    AllocatorError,
    DuplicateTrade,
    InvalidInput,
    LimitExceeded,
    MissingPrice,
    MissingTarget,
    OffTick,
    OverFill,
)
from allocator.fills import allocate
from allocator.planning import order_id, plan
from allocator.sizing import Sizing, minimum_amount, size

__all__ = [
    "Account",
    "Allocation",
    "AllocatorError",
    "ChargeBreakdown",
    "Charges",
    "ContractNote",
    "Crossing",
    "DuplicateTrade",
    "Fill",
    "InvalidInput",
    "LimitExceeded",
    "Limits",
    "MissingPrice",
    "MissingTarget",
    "NoteLine",
    "OffTick",
    "Order",
    "OrderAllocation",
    "OverFill",
    "Participant",
    "Plan",
    "PlanRequest",
    "ScripDay",
    "Side",
    "Sizing",
    "Skip",
    "Slice",
    "Trade",
    "allocate",
    "contract_note",
    "delivery_charges",
    "minimum_amount",
    "netted_charges",
    "order_id",
    "plan",
    "rates_on",
    "size",
    "split_charges",
]
