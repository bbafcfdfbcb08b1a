"""Readers that turn GEO material into :class:`omics.search.series.Series` records.

- :mod:`omics.search.loaders.corpus`: the shipped JSONL corpus (one JSON object a line, gzip or plain)
- :mod:`omics.search.loaders.soft`: GEO SOFT family files (``GSExxx_family.soft``)
- :mod:`omics.search.loaders.esummary`: NCBI E-utilities esummary JSON for ``db=gds``
"""

from omics.search.loaders.corpus import read_jsonl, write_jsonl
from omics.search.loaders.esummary import parse_esummary
from omics.search.loaders.soft import parse_soft

__all__ = ["parse_esummary", "parse_soft", "read_jsonl", "write_jsonl"]
