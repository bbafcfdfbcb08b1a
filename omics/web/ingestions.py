"""The web side of ingestion: this app's saga wiring, links, and sagas as the API shows them.

The web process starts sagas (records them and queues their first step on the ``ingest``
queue) and reads them; workers run the steps. Both read the same saga tables, so a saga's
state answered here is the state the workers act on.
"""

from __future__ import annotations

from typing import Any

from omics.ingest.saga import KIND
from omics.runtime.ingestion import Ingestion
from omics.saga.store import SagaView
from omics.web.errors import ApiError
from omics.web.state import current_state
from tasks.ingesting import ingestion_of, start_ingestion

SAGA_TERMINAL = frozenset({"completed", "compensated", "failed"})


def current_ingestion() -> Ingestion:
    """The ingestion wiring of the app handling the request (built once per Celery app)."""
    return ingestion_of(current_state().celery)


def ingestion_links(saga_id: str) -> dict[str, str]:
    """The saga's own link and its progress socket (on the realtime origin when it has one)."""
    path = f"/api/v2/ingestions/{saga_id}"
    events_origin = current_state().settings.events_public_url.rstrip("/")
    return {"self": path, "events": f"{events_origin}{path}/events"}


def start(params: dict[str, Any], owner: str | None) -> dict[str, Any]:
    """Start an ingestion unless one is running (409 naming it): the 202 body."""
    active = current_ingestion().runner.store.active(KIND)
    if active:
        raise ApiError(
            409,
            "an ingestion is running; wait for it to end",
            "ingestion_running",
            {"running": active[0], "links": ingestion_links(active[0])},
        )
    saga_id = start_ingestion(current_state().celery, params, owner)
    return {"id": saga_id, "status": "running", "links": ingestion_links(saga_id)}


def ingestion(saga_id: str) -> SagaView:
    """The ingestion saga ``saga_id``, or 404."""
    view = current_ingestion().runner.store.view(saga_id[:64])
    if view is None or view.kind != KIND:
        raise ApiError(404, "no such ingestion")
    return view


def present_saga(view: SagaView) -> dict[str, Any]:
    """A saga as the API shows it (what it was asked, steps, counts, error, links)."""
    body = view.to_dict()
    if view.kind == KIND:
        body["links"] = ingestion_links(view.id)
    return body
