"""NCBI E-utilities ``esummary.fcgi?db=gds&retmode=json`` documents as series records.

The accession always comes from the document's ``accession`` field: the numeric uid is an
Entrez id (``200000061`` for GSE61 today) and guessing an accession from it has shown users
the wrong study before. Entries that are not series (GDS, GPL, GSM) are skipped, as are
per-uid errors, which esummary reports inline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from omics.search.series import Sample, Series, iso_date


def _split(value: Any) -> tuple[str, ...]:
    """esummary joins multiple values with ';' in one string."""
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(part.strip() for part in str(value or "").split(";") if part.strip())


def _platform(value: str) -> str:
    return value if value.upper().startswith("GPL") else f"GPL{value}"


def _samples(value: Any) -> tuple[Sample, ...]:
    """esummary lists each sample's accession and title (no characteristics)."""
    samples = value if isinstance(value, list) else []
    return tuple(
        Sample(str(s["accession"]), str(s.get("title") or ""))
        for s in samples
        if isinstance(s, dict) and s.get("accession")
    )


def _series_from(doc: dict[str, Any]) -> Series:
    n_samples: Any = doc.get("n_samples")  # a JSON number or numeric string, often absent
    return Series(
        accession=str(doc["accession"]).strip(),
        title=doc.get("title") or "",
        summary=doc.get("summary") or "",
        organisms=_split(doc.get("taxon")),
        series_types=_split(doc.get("gdstype")),
        platforms=tuple(_platform(p) for p in _split(doc.get("gpl"))),
        sample_count=int(n_samples) if str(n_samples or "").strip() else None,
        gds=tuple(f"GDS{g}" for g in _split(doc.get("gds"))),
        entrez_uid=str(doc.get("uid") or "") or None,
        bioproject=doc.get("bioproject") or None,
        # GEO's esummary gives the date a series became public (``pdat``), the one date it has.
        submission_date=iso_date(doc.get("pdat")),
        pubmed_ids=tuple(str(p) for p in doc.get("pubmedids") or () if str(p).strip()),
        samples=_samples(doc.get("samples")),
        platform_titles=_split(doc.get("platformtitle")),
        supplementary_files=tuple(p.strip() for p in str(doc.get("suppfile") or "").split(",") if p.strip()),
        ftp_link=doc.get("ftplink") or None,
    )


def parse_esummary(document: dict[str, Any] | str | Path) -> list[Series]:
    """Return the series records of one esummary JSON document (a dict, JSON text or a file path)."""
    data: dict[str, Any]
    if isinstance(document, Path):
        data = json.loads(document.read_text(encoding="utf-8"))
    elif isinstance(document, str):
        data = json.loads(document)
    else:
        data = document
    result = data.get("result")
    if not isinstance(result, dict):
        raise ValueError("not an esummary document: no 'result' object")
    records = []
    for uid in result.get("uids", []):
        doc = result.get(str(uid))
        if not isinstance(doc, dict) or doc.get("error") or not doc.get("accession"):
            continue
        if str(doc.get("entrytype", "")).upper() == "GSE":
            records.append(_series_from(doc))
    return records
