"""Routes: the investor's allocation notes (what each batch gave each subscription)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select

from bridge_api.analytics import documents
from bridge_api.db.models import AllocationNote
from bridge_api.errors import NotFound
from bridge_api.http.deps import CurrentUser, SessionDep
from bridge_api.http.fields import IdPath

router = APIRouter(prefix="/allocation-notes", tags=["portfolios"])


class NoteOut(BaseModel):
    """One allocation note: written once when its batch ended, never changed."""

    batch_id: int
    subscription_id: int
    created_at: datetime
    body: dict[str, Any]


@router.get("")
def notes(user: CurrentUser, session: SessionDep) -> list[NoteOut]:
    """The signed-in investor's allocation notes, newest first."""
    rows = session.execute(
        select(AllocationNote)
        .where(AllocationNote.user_id == user.id)
        .order_by(AllocationNote.batch_id.desc(), AllocationNote.subscription_id)
    ).scalars()
    return [_out(note) for note in rows]


@router.get(
    "/{batch_id}/{subscription_id}",
    response_model=NoteOut,
    responses={200: {"content": {"text/html": {}}, "description": "JSON or HTML"}},
)
def note(
    batch_id: IdPath,
    subscription_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> NoteOut | Response:
    """One of the signed-in investor's notes (anyone else's is a 404), as JSON or a printable
    page."""
    found = session.get(AllocationNote, (batch_id, subscription_id))
    if found is None or found.user_id != user.id:
        raise NotFound(
            f"no allocation note for batch {batch_id} and subscription {subscription_id}"
        )
    if format == "html":
        return HTMLResponse(documents.allocation_note_html(user.full_name, found.body))
    return _out(found)


def _out(note: AllocationNote) -> NoteOut:
    return NoteOut(
        batch_id=note.batch_id,
        subscription_id=note.subscription_id,
        created_at=note.created_at,
        body=note.body,
    )
