"""The GEO series record: the one shape every loader produces and every index consumes.

Loaders (corpus JSONL, SOFT family files, E-utilities esummary) differ in what GEO tells
them; they all normalise into :class:`Series` so ranking, facets and the API never need to
know where a record came from. Unknown extra fields are kept in ``extra`` so that nothing
a source reports is silently lost when a record is stored and served again.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

# GEO's summary of a SuperSeries that has none of its own (see Series.indexed_text).
_SUPERSERIES_SENTENCE = re.compile(
    r"\s*This SuperSeries is composed of the SubSeries listed below\.?\s*", re.I
)
# Values a handful of which repeat across 250k records (organisms, types, platforms): interned.
_SHARED_FIELDS = ("organisms", "series_types", "platforms", "platform_titles", "supplementary_files")
_LIST_FIELDS = (*_SHARED_FIELDS, "gds", "pubmed_ids")


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%b %d %Y")  # ours, esummary's pdat, SOFT's dates


def iso_date(value: object) -> str | None:
    """A date as GEO writes it (``2026/04/22``, ``Oct 23 2017``) as ``YYYY-MM-DD``; None if unreadable."""
    text = str(value or "").strip()
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date().isoformat()
        except ValueError:
            continue
    return None


class Sample(NamedTuple):
    """One sample (GSM) of a series: what its submitter called it and said about it.

    ``characteristics`` are SOFT's ``!Sample_characteristics_ch*`` lines as written
    ("disease state: glioblastoma"); esummary gives titles only, so ingested samples have none.
    """

    accession: str
    title: str
    characteristics: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """What the sample says about itself, for search: its title and characteristics' values.

        Only the values count ("glioblastoma", not "disease state"): every sample of every
        series with characteristics has a "tissue" or a "disease state", so the keys would
        make most series match "disease". Underscores, which submitters use as spaces in
        titles ("GBM_tumor_rep1"), become spaces: the index reads ``_`` as part of a word.
        """
        values = (c.partition(":")[2].strip() or c for c in self.characteristics)
        return ". ".join(part for part in (self.title, *values) if part).replace("_", " ")

    def to_dict(self) -> dict[str, Any]:
        """As stored and shown: ``characteristics`` only when there are some, so records without
        them keep the shape every earlier release wrote and reads."""
        out: dict[str, Any] = {"accession": self.accession, "title": self.title}
        if self.characteristics:
            out["characteristics"] = list(self.characteristics)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sample:
        return cls(
            str(data["accession"]),
            str(data.get("title") or ""),
            tuple(str(c) for c in data.get("characteristics") or ()),
        )


@dataclass(frozen=True, slots=True)
class Series:
    """One GEO series (GSE) with the metadata used for search, filters and display."""

    accession: str
    title: str
    summary: str = ""
    overall_design: str = ""
    organisms: tuple[str, ...] = ()
    series_types: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    sample_count: int | None = None
    gds: tuple[str, ...] = ()
    is_superseries: bool = False
    summary_is_truncated: bool = False
    entrez_uid: str | None = None
    bioproject: str | None = None
    submission_date: str | None = None  # YYYY-MM-DD
    pubmed_ids: tuple[str, ...] = ()
    samples: tuple[Sample, ...] = ()  # shown and stored as objects (Sample.to_dict)
    platform_titles: tuple[str, ...] = ()
    supplementary_files: tuple[str, ...] = ()  # file types GEO holds for the series: CEL, TXT, H5...
    ftp_link: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.accession or not self.accession.strip():
            raise ValueError("a series needs an accession")
        if any(not isinstance(sample, Sample) for sample in self.samples):  # (accession, title) pairs
            object.__setattr__(self, "samples", tuple(Sample(*sample) for sample in self.samples))

    def indexed_text(self, field_name: str) -> str:
        """The text the index reads for one of its fields (:data:`omics.search.index.FIELDS`).

        A SuperSeries whose summary is only GEO's fixed sentence ("This SuperSeries is composed
        of the SubSeries listed below.") says what it is about in its title alone: its SubSeries
        hold the real summaries. Read as written, its title's words were in one field where
        every other record has them in two or three, so a SuperSeries titled "... MYCN in
        neuroblastoma" ranked below records naming neuroblastoma in passing. Its summary is read
        as its title. (Its design, "Refer to individual Series", stays as written: a design
        names the cohort, not the topic, and reading the title there too outweighs the title.)
        """
        if (
            field_name == "summary"
            and self.summary
            and not _SUPERSERIES_SENTENCE.sub("", self.summary).strip()
        ):
            return self.title
        return str(getattr(self, field_name))

    @property
    def sample_text(self) -> str:
        """Every sample's text (:attr:`Sample.text`), one line each: the index's ``sample_text`` field."""
        return "\n".join(sample.text for sample in self.samples)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Series:
        """Build a record from a JSON object; list fields become tuples, unknown keys go to extra."""
        known = {f.name for f in fields(cls)} - {"extra"}
        values: dict[str, Any] = {}
        extra: dict[str, Any] = dict(data.get("extra") or {})
        for key, value in data.items():
            if key == "extra":
                continue
            if key not in known:
                extra[key] = value
            elif key in _SHARED_FIELDS:
                values[key] = tuple(sys.intern(str(v)) for v in (value or ()))
            elif key in _LIST_FIELDS:
                values[key] = tuple(str(v) for v in (value or ()))
            elif key == "samples":
                values[key] = tuple(Sample.from_dict(s) for s in value or ())
            elif key == "submission_date":
                values[key] = iso_date(value)
            elif key == "sample_count":
                values[key] = int(value) if value not in (None, "") else None
            else:
                values[key] = value
        values.setdefault("title", "")
        values["title"] = values["title"] or ""
        values["summary"] = values.get("summary") or ""
        values["overall_design"] = values.get("overall_design") or ""
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """The full record as JSON-ready data (lists, not tuples; empty optional fields omitted)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if f.name in _LIST_FIELDS:
                value = list(value)
            elif f.name == "samples":
                value = [sample.to_dict() for sample in value]
            if value in (None, "", []) and f.name not in ("title", "summary"):
                continue
            out[f.name] = value
        out.update(self.extra)
        return out
