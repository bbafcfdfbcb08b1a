"""What one running process of a service says about itself in the registry."""

from __future__ import annotations

import os
import socket
import time
import tomllib
import uuid
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

from omics.config import REPOSITORY_ROOT

# The roles a deployment is made of; an ingest worker is a worker on the ingest queue.
ROLES = ("all", "web", "realtime", "worker", "beat", "flower")
API_VERSIONS = ("v1", "v2")


def code_version() -> str:
    """The installed package's version, or the source tree's (pyproject.toml) when not installed."""
    try:
        return metadata.version("omicsoracle")
    except metadata.PackageNotFoundError:
        pyproject = tomllib.loads((REPOSITORY_ROOT / "pyproject.toml").read_text())
        return str(pyproject["project"]["version"])


@dataclass
class Instance:
    """An instance record: who it is, where it serves, and its latest health.

    ``health`` holds ``live`` and ``ready`` ("ok", "building" or a reason) and whatever the
    role reports beside them (queue depths, socket counts, the beat's last runs).
    """

    role: str
    instance_id: str
    host: str | None = None
    port: int | None = None
    version: str = field(default_factory=code_version)
    api_versions: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    started_at: float = field(default_factory=time.time)
    pid: int = field(default_factory=os.getpid)
    hostname: str = field(default_factory=socket.gethostname)
    health: dict[str, Any] = field(default_factory=dict)
    last_seen: float = 0.0

    @classmethod
    def new(cls, role: str, **fields: Any) -> Instance:
        """A record for this process, with a fresh instance id naming its role and host."""
        instance_id = f"{role}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        return cls(role=role, instance_id=instance_id, **fields)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}" if self.host and self.port else "-"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "address": self.address}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Instance:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["api_versions"] = tuple(known.get("api_versions", ()))
        known["queues"] = tuple(known.get("queues", ()))
        return cls(**known)
