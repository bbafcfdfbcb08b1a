"""The OAuth2 authorization server's state: clients, signing keys, external identities.

Framework-free like the rest of ``omics.security``: the Authlib server, its grants and the
OpenID Connect client are wired in ``omics.web.oauth_server`` and ``omics.web.oidc``.
"""

from omics.security.oauth import clients, external, keys
from omics.security.oauth.keys import Keyring

__all__ = ["Keyring", "clients", "external", "keys"]
