"""Searches whose worker was lost: handed out once more, then failed with a reason.

The broker is the first line. A message a worker took and never acknowledged (the worker was
SIGKILLed) becomes visible again after the visibility timeout, which is the task's time limit
plus a margin (``celeryconfig.time_limits``), and the task's delivery counter fails a search
on its third start. The reaper here catches what the broker cannot, judging each active search
by whether the broker still holds a message for it and by the latest thing that happened to it
(created, started by a worker: ``delivered_at``, re-sent by the reaper: ``resent_at``):

- no message anywhere: it was lost (a worker popped it and was killed before recording it, or
  a queue was flushed); after a short ``lost`` grace (a live worker records what it pops
  within milliseconds) it is re-sent;
- a message a worker took: the broker hands it out again after the visibility timeout; the
  ``started`` deadline (limit, twice the margin, a restore sweep) bounds that too;
- a message waiting in a queue: a busy queue legitimately waits, up to ``queued`` seconds.

Past its deadline a search is re-sent once (``resent_at``, set atomically so two reapers never
both send it); past a deadline again it fails with ``worker_lost`` (a worker had started it)
or ``stale`` (none ever did). A re-sent search that a live worker is still running meets an
idempotent task: events are once per stage, so watchers see one contiguous stream and one
terminal event.
"""

from __future__ import annotations

import enum
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from omics.realtime.lifecycle import SearchLifecycle
from omics.realtime.search_state import SearchState


class Verdict(enum.Enum):
    WAIT = "waiting"  # within its deadline
    FORGET = "forgotten"  # finished or expired: drop it from the active index
    RESEND = "resent"  # past its deadline for the first time: hand it out again
    FAIL = "failed"  # past a deadline again: end it with a reason


@dataclass(frozen=True)
class Deadlines:
    """Seconds a search may go without progress: once a worker started it, while queued, and
    with no message in the broker at all."""

    started: float
    queued: float
    lost: float

    @classmethod
    def of(
        cls, time_limit: float, worker_lost_margin: float, restore_interval: float, queued: float
    ) -> Deadlines:
        """The started deadline: the broker's redelivery (limit + margin, plus one restore
        sweep) should have come by then; one more margin lets it start. A lost message is
        noticed after two restore sweeps."""
        started = time_limit + 2 * worker_lost_margin + restore_interval
        return cls(started=started, queued=queued, lost=2 * restore_interval)


def judge(state: SearchState | None, held: bool, now: float, deadlines: Deadlines) -> Verdict:
    """What the reaper does with one active search at ``now`` (``held``: the broker has its message)."""
    if state is None or state.terminal:
        return Verdict.FORGET
    latest = max(state.created, state.delivered_at, state.resent_at)
    if not held:
        allowed = deadlines.lost
    elif state.delivered_at > state.resent_at:  # a worker took it last
        allowed = deadlines.started
    else:  # it waits in the queue, sent by the web layer or re-sent by the reaper
        allowed = deadlines.queued
    if now - latest <= allowed:
        return Verdict.WAIT
    return Verdict.FAIL if state.resent_at else Verdict.RESEND


def failure(state: SearchState) -> tuple[str, str]:
    """The error code and message of a search failed by the reaper."""
    if state.deliveries:
        return (
            "worker_lost",
            "the worker running this search stopped, and so did the retry; it is not retried again",
        )
    return "stale", "no worker picked this search up in time"


@dataclass(frozen=True)
class Reaper:
    """Applies :func:`judge` to every active search.

    ``held`` snapshots the ids the broker has a message for (taken before the states are read,
    so a search acknowledged meanwhile reads as finished, never as lost); ``resend`` queues a
    search id again.
    """

    lifecycle: SearchLifecycle
    deadlines: Deadlines
    held: Callable[[], set[str]]
    resend: Callable[[str], None]

    def sweep(self, now: float | None = None) -> Counter[str]:
        """One pass over the active searches; how many got each verdict."""
        held = self.held()
        now = time.time() if now is None else now
        verdicts: Counter[str] = Counter()
        for search_id in self.lifecycle.store.active():
            verdicts[self.reap(search_id, search_id in held, now).value] += 1
        return verdicts

    def reap(self, search_id: str, held: bool, now: float) -> Verdict:
        """Judge one search and act on the verdict."""
        store = self.lifecycle.store
        state = store.get(search_id)
        verdict = judge(state, held, now, self.deadlines)
        if verdict is Verdict.FORGET:
            store.forget_active(search_id)
        elif verdict is Verdict.RESEND and store.mark_resent(search_id, now):
            self.resend(search_id)
        elif verdict is Verdict.FAIL and state is not None:
            self.lifecycle.fail(search_id, *failure(state))
        return verdict
