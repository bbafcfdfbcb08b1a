"""The ingestion saga: plan -> fetch -> stage -> index -> publish -> refresh -> notify.

Each step is idempotent and keyed by the saga id (its files live in the engine's staging area
for that id), and each records what undoes it before acting: fetched batches and staged
records are dropped, staged segments removed, a publication restored to the recorded corpus
state and index manifest (and the caches told), alerts of the saga deleted. Where the steps
run (a Celery chain, the command line) is the adapter's business, not this module's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from omics.ingest.client import EutilsClient, NcbiUnavailable, SearchHandle, accessions_term, date_window_term
from omics.saga.definition import JsonDict, SagaDefinition, Step, StepContext
from omics.search.loaders.esummary import parse_esummary
from omics.search.series import Series
from omics.search.staging import PublicationPoint

if TYPE_CHECKING:
    from omics.search.engine import SearchEngine

KIND = "ingestion"
HEARTBEAT_BATCHES = 10
ALL_SERIES = "gse[ETYP]"


@dataclass(frozen=True)
class IngestionPorts:
    """What the steps need from the rest of the system, wired by the adapter.

    ``caches_changed(version)`` drops cache entries older than ``version`` and warms the popular
    searches; ``notify(saga_id, accessions)`` records alerts for saved searches matching the new
    series and returns how many; ``forget_alerts(saga_id)`` deletes them again.
    """

    engine: Callable[[], SearchEngine]
    client: Callable[[], EutilsClient]
    caches_changed: Callable[[int], None]
    notify: Callable[[str, Sequence[str]], int]
    forget_alerts: Callable[[str], object]
    batch_size: int = 500


def ingestion_params(
    since: date | None = None,
    until: date | None = None,
    accessions: Sequence[str] = (),
    everything: bool = False,
) -> JsonDict:
    """The saga's parameters: one esearch term, plus what the caller asked for (shown back)."""
    if accessions:
        return {"accessions": list(accessions), "term": accessions_term(accessions)}
    if everything:
        return {"all": True, "term": ALL_SERIES}
    if since is None:
        raise ValueError("give since (and optionally until), accessions, or everything")
    params: JsonDict = {"since": since.isoformat(), "term": date_window_term(since, until)}
    if until is not None:
        params["until"] = until.isoformat()
    return params


def ingestion_saga(ports: IngestionPorts) -> SagaDefinition:
    """The seven steps, declared once, with their compensations."""

    def area(context: StepContext) -> Any:
        return ports.engine().staging(context.saga_id)

    def drop(part: str) -> Callable[[StepContext, JsonDict], None]:
        return lambda context, data: area(context).drop(part)

    def plan(context: StepContext) -> JsonDict:
        handle = ports.client().search(context.params["term"])
        return {
            "count": handle.count,
            "webenv": handle.webenv,
            "query_key": handle.query_key,
            "counts": {"found": handle.count},
        }

    def fetch(context: StepContext) -> JsonDict:
        planned = context.results["plan"]
        handle = SearchHandle(planned["count"], planned["webenv"], planned["query_key"])
        staging, client, size = area(context), ports.client(), ports.batch_size
        batches = range(0, handle.count, size)
        for number, start in enumerate(batches):
            if staging.raw_path(number).exists():
                continue  # fetched before a redelivery or a resume
            staging.write_raw(number, client.summaries(handle, start, size))
            if number % HEARTBEAT_BATCHES == 0:
                context.heartbeat({"fetched": min(start + size, handle.count), "of": handle.count})
        return {"counts": {"batches": len(batches)}}

    def stage(context: StepContext) -> JsonDict:
        staging = area(context)
        errors = [0]

        def records() -> Iterator[Series]:
            for batch in staging.raw_batches():
                result = batch.get("result", {})
                errors[0] += sum(1 for uid in result.get("uids", []) if result.get(str(uid), {}).get("error"))
                yield from parse_esummary(batch)

        counts = ports.engine().stage(context.saga_id, records())
        return {
            "counts": {
                "new": counts.new,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "duplicates": counts.duplicates,
                "unreadable": errors[0],
            }
        }

    def index(context: StepContext) -> JsonDict:
        return {"counts": {"indexed": ports.engine().index_staged(context.saga_id)}}

    def point(context: StepContext) -> JsonDict:
        saved = ports.engine().publication_point()
        return {"state": saved.state, "manifest": saved.manifest}

    def publish(context: StepContext) -> JsonDict:
        publication = ports.engine().publish_staged(context.saga_id)
        return {
            "previous_version": publication.previous_version,
            "version": publication.version,
            "counts": {"published": publication.published, "version": publication.version},
        }

    def unpublish(context: StepContext, data: JsonDict) -> None:
        version = ports.engine().restore(PublicationPoint(data["state"], data["manifest"]))
        ports.caches_changed(version)

    def refresh(context: StepContext) -> JsonDict:
        ports.caches_changed(context.results["publish"]["version"])
        return {}

    def notify(context: StepContext) -> JsonDict:
        published = context.results["publish"]
        if published["version"] == published["previous_version"]:
            return {"counts": {"alerts": 0}}
        return {"counts": {"alerts": ports.notify(context.saga_id, area(context).new_accessions())}}

    def keep(name: str) -> Callable[[StepContext], JsonDict]:
        return lambda context: {"undo": name}

    return SagaDefinition(
        KIND,
        (
            Step("plan", plan),
            Step("fetch", fetch, keep("raw"), drop("raw")),
            Step("stage", stage, keep("records"), drop("records")),
            Step("index", index, keep("segments"), drop("segments")),
            Step("publish", publish, point, unpublish),
            # Undone by publish's compensation, which tells the caches of the restored version.
            Step("refresh", refresh),
            Step(
                "notify", notify, keep("alerts"), lambda context, data: ports.forget_alerts(context.saga_id)
            ),
        ),
        transient=(NcbiUnavailable,),
    )
