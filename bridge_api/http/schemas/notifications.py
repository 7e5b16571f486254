"""Request and response bodies of the notification and schedule routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class InboxItemOut(BaseModel):
    """One notification in the signed-in user's inbox."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class InboxOut(BaseModel):
    """The inbox, newest first, and how many are unread in all."""

    unread: int
    items: list[InboxItemOut]


class ReadAllOut(BaseModel):
    """How many notifications were marked read."""

    marked: int
    unread: int


class PreferencesOut(BaseModel):
    """Channels per kind of event (true: delivered), language, webhook (never its secret)."""

    language: Literal["en", "hi"]
    webhook_url: str | None
    webhook_secret_set: bool
    channels: dict[str, dict[Literal["email", "webhook", "inbox"], bool]]


class PreferencesIn(BaseModel):
    """What to change; anything left out stays as it was."""

    model_config = ConfigDict(extra="forbid")

    channels: dict[str, dict[Literal["email", "webhook", "inbox"], bool]] | None = None
    language: Literal["en", "hi"] | None = None
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)
    clear_webhook: bool = False


class DeliveryOut(BaseModel):
    """One delivery (a dead letter, when the admin lists them)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int
    channel: str
    user_id: int
    address: str
    status: str
    attempts: int
    last_error: str | None
    idempotency_key: str
    updated_at: datetime | None


class ScheduleRunOut(BaseModel):
    """A job's run for one day."""

    model_config = ConfigDict(from_attributes=True)

    scheduled_for: date
    status: str
    trigger: str
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    outcome: str | None


class ScheduledJobOut(BaseModel):
    """A job of the operator's day: when it runs, its last run, its next."""

    name: str
    summary: str
    at_ist: str
    on: Literal["sessions", "days"]
    when_missed: Literal["catch_up", "alert"]
    last_run: ScheduleRunOut | None
    next_run: datetime | None
