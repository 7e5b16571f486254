"""Live batch progress: one PostgreSQL listener per process, fanned out to every viewer, and
the server-sent event stream of one batch (docs/web.md).

`BatchEvents` holds ONE connection that runs ``LISTEN saras_batch`` while anyone watches: it
starts with the first viewer and closes after the last. Each notification (`batches.events`)
goes to the queues of the viewers of its batch; no viewer queries the database while it waits.
If the connection drops, it reconnects and tells every viewer to read its batch again
(`RESYNC`), as notifications sent meanwhile are lost.

`stream` is one viewer: it starts listening, then reads the batch (a snapshot, at its event
count n, in one repeatable-read transaction) and sends it, then each later event (id > n) as
it comes. An event whose id skips one, or a resync, sends a fresh snapshot. A state event into
an end state sends the final snapshot as ``end`` and closes the stream, so a viewer that
reconnects at any time still sees the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from anyio import to_thread

from bridge_api.batches.events import CHANNEL, END_STATES

log = logging.getLogger(__name__)
RESYNC: dict[str, Any] = {"kind": "resync"}
APPLICATION_NAME = "saras-batch-events"
KEEP_ALIVE_SECONDS = 15.0
QUEUE_SIZE = 1000


class BatchEvents:
    """The process's one listener and its viewers (see the module doc)."""

    def __init__(self, conninfo: Callable[[], str], *, retry_seconds: float = 1.0) -> None:
        self._conninfo = conninfo
        self._retry = retry_seconds
        self._viewers: dict[int, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self.connections = 0
        """How many listener connections this process has opened (for tests and metrics)."""

    @property
    def viewers(self) -> int:
        """How many viewers are subscribed now."""
        return sum(len(queues) for queues in self._viewers.values())

    @asynccontextmanager
    async def subscribe(self, batch_id: int) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue of the batch's events, once the listener is listening."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._viewers.setdefault(batch_id, set()).add(queue)
        if self._task is None or self._task.done():
            self._listening = asyncio.Event()
            self._task = asyncio.create_task(self._listen(), name="batch-events-listener")
        try:
            await self._listening.wait()
            yield queue
        finally:
            queues = self._viewers.get(batch_id, set())
            queues.discard(queue)
            if not queues:
                self._viewers.pop(batch_id, None)
            if not self._viewers and self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
                self._task = None

    async def _listen(self) -> None:
        missed = False
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo(), autocommit=True, application_name=APPLICATION_NAME
                ) as connection:
                    self.connections += 1
                    await connection.execute(f"LISTEN {CHANNEL}")
                    if missed:
                        self._broadcast(RESYNC)
                    missed = False
                    self._listening.set()
                    async for note in connection.notifies():
                        self._deliver(note.payload)
            except psycopg.Error as error:
                log.warning("batch events: listener connection lost (%s); reconnecting", error)
                missed = True
                self._listening.set()  # viewers go on; they resync when it is back
                await asyncio.sleep(self._retry)

    def _deliver(self, payload: str) -> None:
        try:
            event = json.loads(payload)
            batch_id = int(event["batch"])
        except (ValueError, KeyError, TypeError):
            log.warning("batch events: ignored a malformed notification %r", payload[:200])
            return
        for queue in self._viewers.get(batch_id, ()):
            _put(queue, event)

    def _broadcast(self, event: dict[str, Any]) -> None:
        for queues in self._viewers.values():
            for queue in queues:
                _put(queue, event)


def _put(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    """Queue an event; a viewer too slow to keep up is told to resync instead."""
    try:
        queue.put_nowait(event)
    except asyncio.QueueFull:
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(RESYNC)


Snapshot = Callable[[], tuple[int, dict[str, Any]]]
"""Reads the batch: (its event count, its JSON body), in one consistent transaction."""


def frame(event: str, event_id: int | None, data: dict[str, Any]) -> str:
    """One server-sent event."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def stream(
    hub: BatchEvents, batch_id: int, snapshot: Snapshot, *, keep_alive: float = KEEP_ALIVE_SECONDS
) -> AsyncIterator[str]:
    """The server-sent events of one viewer of one batch (see the module doc)."""
    async with hub.subscribe(batch_id) as queue:
        last, body = await to_thread.run_sync(snapshot)
        if body["state"] in END_STATES:
            yield frame("end", last, body)
            return
        yield frame("snapshot", last, body)
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), keep_alive)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            number = event.get("id")
            if event is RESYNC or (isinstance(number, int) and number > last + 1):
                last, body = await to_thread.run_sync(snapshot)
                if body["state"] in END_STATES:
                    yield frame("end", last, body)
                    return
                yield frame("snapshot", last, body)
                continue
            if not isinstance(number, int) or number <= last:
                continue  # already in the snapshot this viewer has
            last = number
            yield frame(str(event["kind"]), number, event)
            if event["kind"] == "state" and event.get("state") in END_STATES:
                last, body = await to_thread.run_sync(snapshot)
                yield frame("end", last, body)
                return
