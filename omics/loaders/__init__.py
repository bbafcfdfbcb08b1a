"""Readers that turn GEO material into :class:`omics.series.Series` records.

- :mod:`omics.loaders.corpus`: the shipped JSONL corpus (one JSON object a line, gzip or plain)
- :mod:`omics.loaders.soft`: GEO SOFT family files (``GSExxx_family.soft``)
- :mod:`omics.loaders.esummary`: NCBI E-utilities esummary JSON for ``db=gds``
"""

from omics.loaders.corpus import read_jsonl, write_jsonl
from omics.loaders.esummary import parse_esummary
from omics.loaders.soft import parse_soft

__all__ = ["parse_esummary", "parse_soft", "read_jsonl", "write_jsonl"]
