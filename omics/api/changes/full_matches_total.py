"""2026-12-01: ``total`` counts the series that match every concept of the query.

Before this version any one word of the query made a match: "breast cancer" counted every
series mentioning "breast" or "cancer" (4,696 of 8,091), which told a researcher nothing about
how many studies of breast cancer there are. Now ``total`` counts full matches (every concept
covered, by its words or another name of it), ``total_partial`` the series that cover only
some, and facets count full matches. Older versions keep ``total`` as every match (full plus
partial); they gain ``total_partial`` as a new field, which clients ignore if they do not know it.
"""

from __future__ import annotations

from typing import Any

from omics.api.versions import Params, VersionChange


def _every_match(body: Any, _params: Params) -> Any:
    """``total`` as it was: full and partial matches together (null stays null)."""
    if not isinstance(body, dict) or not isinstance(body.get("total"), int):
        return body
    partial = body.get("total_partial")
    return {**body, "total": body["total"] + (partial if isinstance(partial, int) else 0)}


def _described(meaning: str) -> Any:
    def edit(schema: dict[str, Any]) -> dict[str, Any]:
        properties = dict(schema.get("properties", {}))
        if "total" in properties:
            properties["total"] = {**properties["total"], "description": meaning}
        return {**schema, "properties": properties}

    return edit


_OLD_MEANING = "series matching any word of the query, full and partial matches together"

CHANGE = VersionChange(
    title="`total` counts full matches; partial matches are counted in `total_partial`",
    why=(
        'Any one word made a match, so counts misled: "breast cancer cell line" reported most '
        "of the corpus. A series now matches when it covers every concept of the query (its "
        "words or another name of the same concept); the rest are partial matches, ranked after "
        "every full match and counted apart, and facets count full matches."
    ),
    migration=(
        "`total` (searches and the completed event) counts full matches; add `total_partial` "
        "for the old count of every match.",
        "Results list full matches first, then partial ones, whose `reasons` start with "
        '`does not mention "<concept>"`; `parsed.concepts` lists what the query was read to ask for.',
        "Facets count full matches only, in every version.",
    ),
    responses={"Search": _every_match, "Event": _every_match},
    schemas={"Search": _described(_OLD_MEANING), "Event": _described(_OLD_MEANING)},
)
