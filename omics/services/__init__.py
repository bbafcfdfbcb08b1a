"""Services: discovery (instance records in Redis), health, and the message envelope.

Framework-free; Flask's adapter is ``omics.web.discovery``, Celery's ``tasks.discovery``.
"""

from omics.services.breakers import breaker_states, watch_breaker
from omics.services.envelope import Envelope, UnreadableMessage, open_envelope
from omics.services.heartbeat import HealthProbe, Heartbeat, liveness_only
from omics.services.instance import API_VERSIONS, ROLES, Instance
from omics.services.queues import queue_depths
from omics.services.registry import Registry

__all__ = [
    "API_VERSIONS",
    "ROLES",
    "Envelope",
    "HealthProbe",
    "Heartbeat",
    "Instance",
    "Registry",
    "UnreadableMessage",
    "breaker_states",
    "liveness_only",
    "open_envelope",
    "queue_depths",
    "watch_breaker",
]
