"""The double-entry ledger: accounts, journal entries, postings, balances and FIFO tax lots.

Journal entries and postings are append-only (database triggers refuse UPDATE and DELETE);
each entry's postings sum to zero per asset (a deferred trigger checks it at commit). Assets
are ``INR`` (rupees, two decimals) or a symbol (whole shares). Every posting is settled or
unsettled (T+1). `Balance` and the open quantities of `TaxLot` are derived state, kept current
in the same transaction as the postings that change them.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from bridge_api.db.base import Base, Created, Id, Money, Shares, enum_column

CASH = "INR"


class LedgerKind(enum.StrEnum):
    """Whose book a ledger account is."""

    EXTERNAL = "external"
    INVESTOR = "investor"
    SUBSCRIPTION = "subscription"
    HOUSE = "house"


class Bucket(enum.StrEnum):
    """Settled value, or value still in T+1 settlement."""

    SETTLED = "settled"
    UNSETTLED = "unsettled"


class Cause(enum.StrEnum):
    """Why a journal entry exists."""

    PAYIN = "payin"
    PAYOUT = "payout"
    EARMARK = "earmark"
    RELEASE = "release"
    CROSSING = "crossing"
    ORDER_ALLOCATION = "order_allocation"
    CHARGES = "charges"
    CHARGE_TRUE_UP = "charge_true_up"
    SETTLEMENT = "settlement"
    CORRECTION = "correction"
    CORPORATE_ACTION = "corporate_action"
    HOUSE_FUNDING = "house_funding"
    HOUSE_SWEEP = "house_sweep"
    STRAY_FILL = "stray_fill"


class LedgerAccount(Base):
    """A book: the outside world, an investor's free cash, a subscription, or the house."""

    __tablename__ = "ledger_accounts"

    id: Mapped[Id]
    kind: Mapped[LedgerKind] = enum_column(LedgerKind)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"), unique=True)


class JournalEntry(Base):
    """One balanced movement of cash and/or shares, naming its cause."""

    __tablename__ = "journal_entries"

    id: Mapped[Id]
    cause: Mapped[Cause] = enum_column(Cause)
    memo: Mapped[str] = mapped_column(String(500), default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("batch_orders.id"))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    effective_on: Mapped[date]
    created_at: Mapped[Created]


class AccountSettlement(Base):
    """One account's unsettled postings of one asset in one entry, moved to settled by a
    settlement entry (each once). `settlement_id` is None when what the account had unsettled
    of the asset in the entries settled with it netted to nothing (no leg was needed)."""

    __tablename__ = "account_settlements"

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    asset: Mapped[str] = mapped_column(String(32), primary_key=True)
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), index=True)


class DpCharge(Base):
    """The depository's charge for debiting one scrip from the account's demat on one day:
    levied once per scrip per day however many sell orders there were, so it is charged with
    the first sale of the day that is allocated (`charged_with` names it)."""

    __tablename__ = "dp_charges"

    day: Mapped[date] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    charged_with: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[Created]


class Posting(Base):
    """One leg of a journal entry: `amount` of `asset` into (or, negative, out of) an account."""

    __tablename__ = "postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="nonzero"),
        CheckConstraint(f"asset = '{CASH}' OR amount = trunc(amount)", name="whole_shares"),
        Index("ix_postings_account_asset", "account_id", "asset"),
    )

    id: Mapped[Id]
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    asset: Mapped[str] = mapped_column(String(32))
    bucket: Mapped[Bucket] = enum_column(Bucket)
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2))


class AppliedEntry(Base):
    """A journal entry whose postings `saras_apply_entry` has added to `balances` (each once;
    the application role cannot touch this table or `balances` directly)."""

    __tablename__ = "applied_entries"

    entry_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("journal_entries.id"), primary_key=True, autoincrement=False
    )


class Balance(Base):
    """Current balance of one asset in one bucket of one account (derived from postings)."""

    __tablename__ = "balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), primary_key=True)
    asset: Mapped[str] = mapped_column(String(32), primary_key=True)
    bucket: Mapped[Bucket] = enum_column(Bucket, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2), default=Decimal(0))


class TaxLot(Base):
    """Shares of one symbol bought on one day by one subscription, with their full cost
    (FIFO per subscription: see "Tax lots" in docs/ledger.md)."""

    __tablename__ = "tax_lots"
    __table_args__ = (
        CheckConstraint("open_quantity >= 0 AND open_quantity <= quantity", name="open_in_range"),
        Index("ix_tax_lots_fifo", "subscription_id", "symbol", "acquired_on", "id"),
    )

    id: Mapped[Id]
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    symbol: Mapped[str] = mapped_column(ForeignKey("instruments.symbol"))
    acquired_on: Mapped[date]
    quantity: Mapped[Shares]
    cost: Mapped[Money]
    open_quantity: Mapped[Shares]
    open_cost: Mapped[Money]
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    stt_paid: Mapped[bool]
    """Whether STT was paid on the acquisition (an exchange trade); a crossing pays none."""
    from_lot_id: Mapped[int | None] = mapped_column(ForeignKey("tax_lots.id"))
    """The lot a corporate action carried into this one (a split, a merger, a demerger): it
    keeps that lot's acquisition date; the old lot is closed."""


class LotConsumption(Base):
    """Shares taken out of a lot by a sale (FIFO), with the cost and proceeds they carry."""

    __tablename__ = "lot_consumptions"

    id: Mapped[Id]
    lot_id: Mapped[int] = mapped_column(ForeignKey("tax_lots.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    sold_on: Mapped[date]
    quantity: Mapped[Shares]
    cost: Mapped[Money]
    proceeds: Mapped[Money]
    stt_paid: Mapped[bool]
    """Whether STT was paid on the sale (an exchange trade); a crossing pays none."""
    created_at: Mapped[Created]
