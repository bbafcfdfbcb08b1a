"""What the web layer's authentication needs of security, per app: accounts, blocklist, settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from omics.config import Settings
from omics.security.database import Database
from omics.security.oauth import keys
from omics.security.tokens import Blocklist


@dataclass
class SecurityState:
    """What the auth layer needs per app: the database, the blocklist and the settings."""

    database: Database
    blocklist: Blocklist
    settings: Settings

    @property
    def access_seconds(self) -> int:
        return self.settings.security.access_token_minutes * 60

    def block_families(self, families: Iterable[str]) -> None:
        """Block every access token of these refresh families for as long as one could live."""
        for family in families:
            self.blocklist.block_family(family, self.access_seconds)

    @cached_property
    def keyring(self) -> keys.Keyring:
        """This process's cached view of the token-signing keys."""
        return keys.Keyring(self.database, keys.passphrase(self.settings))
