"""Stored formats: every document kept in Redis, the cache tiers or the database says its format.

One registry (:mod:`omics.formats.catalog`) names each stored format, its current version and
the functions that upgrade an older document one version at a time; readers upgrade on read,
``python app.py migrate`` upgrades in place (:mod:`omics.formats.migration`). Framework-free.
"""

from omics.formats.catalog import (
    API_KEY,
    CACHE_DOCUMENT,
    FORMATS,
    PACKED_RESULTS,
    RESULT,
    SAGA,
    SAVED_SEARCH,
    SEARCH,
    SHORTLIST,
)
from omics.formats.columns import add_missing_columns
from omics.formats.migration import Checkpoint, MigrationStep, Progress, run_migration
from omics.formats.registry import StoredFormat

__all__ = [
    "API_KEY",
    "CACHE_DOCUMENT",
    "FORMATS",
    "PACKED_RESULTS",
    "RESULT",
    "SAGA",
    "SAVED_SEARCH",
    "SEARCH",
    "SHORTLIST",
    "Checkpoint",
    "MigrationStep",
    "Progress",
    "StoredFormat",
    "add_missing_columns",
    "run_migration",
]
