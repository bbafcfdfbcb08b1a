"""A small, generic saga: steps declared once with their compensations, state in the database,
a runner that resumes or compensates from that state, and a sweeper for what got stuck."""

from omics.saga.definition import SagaDefinition, Step, StepContext
from omics.saga.runner import Outcome, SagaRunner, StepResult
from omics.saga.store import SagaStore, SagaView

__all__ = [
    "Outcome",
    "SagaDefinition",
    "SagaRunner",
    "SagaStore",
    "SagaView",
    "Step",
    "StepContext",
    "StepResult",
]
