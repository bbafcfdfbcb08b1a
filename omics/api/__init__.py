"""API versions as declared changes over one canonical (HEAD) schema set.

Framework-free: the web layer resolves a request's version and calls the bundle to convert
HEAD bodies down (responses, errors, WebSocket events) and older requests up.
"""

from omics.api.bundle import BUNDLE, DEFAULT_VERSION
from omics.api.changelog import (
    changelog_entries,
    changelog_markdown,
    generated_documents,
    migration_markdown,
)
from omics.api.openapi import VERSION_HEADER, version_document
from omics.api.versions import UnknownVersion, Version, VersionBundle, VersionChange

__all__ = [
    "BUNDLE",
    "DEFAULT_VERSION",
    "VERSION_HEADER",
    "UnknownVersion",
    "Version",
    "VersionBundle",
    "VersionChange",
    "changelog_entries",
    "changelog_markdown",
    "generated_documents",
    "migration_markdown",
    "version_document",
]
