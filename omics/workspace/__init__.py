"""The researcher's workspace: shortlists of series, their exports, and what the pages say about
the corpus (size, as-of date, platform names).

Pure Python over SQLAlchemy: no Flask here. Shortlists live in the accounts database (their own
tables, created beside the security tables) and belong to a subject, as searches do.
"""

from omics.workspace import exports, shortlists
from omics.workspace.corpus import CorpusSummary, summarise
from omics.workspace.models import Shortlist, ShortlistItem, create_tables
from omics.workspace.platforms import platform_names

__all__ = [
    "CorpusSummary",
    "Shortlist",
    "ShortlistItem",
    "create_tables",
    "exports",
    "platform_names",
    "shortlists",
    "summarise",
]
