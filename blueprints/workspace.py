"""The researcher's workspace API: the corpus summary and one's own shortlists with exports.

``GET /api/v2/corpus`` (public): how many series, as of when, the organisms and series types
the corpus holds and the platform names the page can show. ``/api/v2/shortlists``: named
collections of series per user (``workspace`` permission), exported as CSV, TSV, JSON or a
sample sheet. Someone else's shortlist answers 404, like a missing one.
"""

from __future__ import annotations

import threading
from typing import Any, cast

from flask import Flask, Response, jsonify, request
from flask.blueprints import Blueprint, BlueprintSetupState
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates
from sqlalchemy.orm import Session

from omics.security.roles import Permission
from omics.web.auth import require
from omics.web.errors import ApiError
from omics.web.identity import current_identity
from omics.web.schemas import ACCESSION, json_body, load_query
from omics.web.state import current_state, state_of
from omics.workspace import CorpusSummary, create_tables, exports, shortlists, summarise
from omics.workspace.models import Shortlist
from omics.workspace.platforms import KNOWN_PLATFORMS

bp = Blueprint("workspace", __name__, url_prefix="/api/v2")
_summaries: dict[tuple[int, int], CorpusSummary] = {}
_summary_lock = threading.Lock()


@bp.record_once
def _create_tables(setup: BlueprintSetupState) -> None:
    create_tables(state_of(cast(Flask, setup.app)).security.database.engine)


def _accessions_field() -> fields.List[str]:
    return fields.List(
        fields.String(validate=validate.Regexp(ACCESSION, error="not a GEO series accession (GSE...)")),
        validate=validate.Length(max=shortlists.MAX_ITEMS),
        load_default=list,
    )


class ShortlistSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    accessions = _accessions_field()

    @validates("name")
    def _not_blank(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise ValidationError("give the shortlist a name")


class RenameSchema(ShortlistSchema):
    class Meta:
        unknown = RAISE
        exclude = ("accessions",)


class ItemsSchema(Schema):
    class Meta:
        unknown = RAISE

    accessions = _accessions_field()


class ExportQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "tsv", "json", "samples"]))


_create = ShortlistSchema()
_rename = RenameSchema()
_items = ItemsSchema()
_export_query = ExportQuerySchema()


def _corpus_summary() -> CorpusSummary:
    """The summary of the engine's current version (computed once per version)."""
    engine = current_state().services.engine
    key = (id(engine), engine.version)
    with _summary_lock:
        summary = _summaries.get(key)
        if summary is None:
            store = engine.store
            live = (store.records[doc] for doc in store.current.values())
            settings = current_state().settings
            files = [settings.corpus_path, settings.data_dir / "corpus" / "state.json"]
            summary = _summaries[key] = summarise(live, engine.version, files)
    return summary


@bp.get("/corpus")
def corpus() -> Response:
    return jsonify(_corpus_summary().to_dict() | {"platform_names": KNOWN_PLATFORMS})


def _owner() -> str:
    return current_identity().subject or ""


def _owned(session: Session, shortlist_id: str) -> Shortlist:
    shortlist = shortlists.find(session, _owner(), shortlist_id[:32])
    if shortlist is None:
        raise ApiError(404, "no such shortlist")
    return shortlist


def _known(accessions: list[str]) -> list[str]:
    """The accessions, upper-cased, all in the corpus (else 422 naming the unknown ones)."""
    engine = current_state().services.engine
    wanted = [accession.upper() for accession in accessions]
    unknown = [accession for accession in wanted if engine.get(accession) is None]
    if unknown:
        raise ApiError(422, "these series are not in the corpus", "unknown_series", {"accessions": unknown})
    return wanted


def _rule_error(error: shortlists.ShortlistError) -> ApiError:
    return ApiError(409, str(error), error.code)


def _detail(shortlist: Shortlist) -> dict[str, Any]:
    """The shortlist with a line about each series, enough to list it on a page."""
    engine = current_state().services.engine
    view = shortlists.to_dict(shortlist, with_items=True)
    view["series"] = []
    for accession in view.pop("accessions"):
        record = engine.get(accession)
        brief = {"accession": accession, "in_corpus": record is not None}
        if record is not None:
            brief |= {
                "title": record.title,
                "organisms": list(record.organisms),
                "sample_count": record.sample_count,
            }
        view["series"].append(brief)
    return view


@bp.get("/shortlists")
@require(Permission.WORKSPACE)
def list_shortlists() -> Response:
    with current_state().security.database.transaction() as session:
        views = [shortlists.to_dict(s) for s in shortlists.list_for(session, _owner())]
    return jsonify({"shortlists": views})


@bp.post("/shortlists")
@require(Permission.WORKSPACE)
def create_shortlist() -> tuple[Response, int]:
    body = _create.load(json_body())
    accessions = _known(body["accessions"])
    with current_state().security.database.transaction() as session:
        try:
            shortlist = shortlists.create(session, _owner(), body["name"].strip())
            shortlists.add(shortlist, accessions)
        except shortlists.ShortlistError as error:
            raise _rule_error(error) from None
        view = _detail(shortlist)
    return jsonify(view), 201


@bp.get("/shortlists/<shortlist_id>")
@require(Permission.WORKSPACE)
def get_shortlist(shortlist_id: str) -> Response:
    with current_state().security.database.transaction() as session:
        return jsonify(_detail(_owned(session, shortlist_id)))


@bp.patch("/shortlists/<shortlist_id>")
@require(Permission.WORKSPACE)
def rename_shortlist(shortlist_id: str) -> Response:
    body = _rename.load(json_body())
    with current_state().security.database.transaction() as session:
        shortlist = _owned(session, shortlist_id)
        try:
            shortlists.rename(session, shortlist, body["name"].strip())
        except shortlists.ShortlistError as error:
            raise _rule_error(error) from None
        return jsonify(shortlists.to_dict(shortlist))


@bp.delete("/shortlists/<shortlist_id>")
@require(Permission.WORKSPACE)
def delete_shortlist(shortlist_id: str) -> tuple[str, int]:
    with current_state().security.database.transaction() as session:
        session.delete(_owned(session, shortlist_id))
    return "", 204


@bp.post("/shortlists/<shortlist_id>/items")
@require(Permission.WORKSPACE)
def add_items(shortlist_id: str) -> Response:
    accessions = _known(_items.load(json_body())["accessions"])
    with current_state().security.database.transaction() as session:
        shortlist = _owned(session, shortlist_id)
        try:
            added = shortlists.add(shortlist, accessions)
        except shortlists.ShortlistError as error:
            raise _rule_error(error) from None
        return jsonify(shortlists.to_dict(shortlist) | {"added": added})


@bp.delete("/shortlists/<shortlist_id>/items/<accession>")
@require(Permission.WORKSPACE)
def remove_item(shortlist_id: str, accession: str) -> tuple[str, int]:
    with current_state().security.database.transaction() as session:
        if not shortlists.remove(_owned(session, shortlist_id), accession.strip().upper()[:32]):
            raise ApiError(404, f"{accession[:32]} is not in this shortlist")
    return "", 204


@bp.get("/shortlists/<shortlist_id>/export")
@require(Permission.WORKSPACE)
def export_shortlist(shortlist_id: str) -> Response:
    file_format = load_query(_export_query, request.args)["format"]
    engine = current_state().services.engine
    with current_state().security.database.transaction() as session:
        shortlist = _owned(session, shortlist_id)
        name, accessions = shortlist.name, [item.accession for item in shortlist.items]
    records = []
    for accession in accessions:
        record = engine.get(accession)
        records.append((accession, record.to_dict() if record is not None else None))
    try:
        exported = exports.export(name, records, file_format)
    except exports.NoSamples as error:
        raise ApiError(409, str(error), "no_sample_lists") from None
    return Response(
        exported.body,
        mimetype=exported.media_type,
        headers={"Content-Disposition": f'attachment; filename="{exported.filename}"'},
    )
