"""The generic saga: compensations recorded before acting, run in reverse; retries; the sweeper."""

from __future__ import annotations

import pytest

from omics.saga import Outcome, SagaDefinition, SagaRunner, SagaStore, Step
from omics.security.database import Database


class Flaky(Exception):
    pass


@pytest.fixture
def store(tmp_path) -> SagaStore:
    database = Database(f"sqlite:///{tmp_path / 'saga.sqlite3'}")
    SagaStore.create_schema(database.engine)
    return SagaStore(database.transaction)


def definition(journal: list[str], fail_at: str | None = None, flaky: dict | None = None) -> SagaDefinition:
    flaky = flaky if flaky is not None else {}

    def step(name: str) -> Step:
        def act(context):
            if flaky.get(name, 0) > 0:
                flaky[name] -= 1
                raise Flaky(name)
            journal.append(f"do {name}")
            if name == fail_at:
                raise RuntimeError(f"{name} broke")
            return {"counts": {name: 1}}

        def prepare(context):
            return {"undo": name}

        def compensate(context, data):
            journal.append(f"undo {data['undo']}")

        return Step(name, act, prepare, compensate)

    return SagaDefinition("demo", tuple(step(n) for n in ("a", "b", "c")), transient=(Flaky,))


def test_completes_and_counts(store) -> None:
    journal: list[str] = []
    events: list[tuple[str, dict]] = []
    runner = SagaRunner(definition(journal), store, lambda s, k, e: events.append((k, e)))
    saga_id = runner.start({"x": 1})
    assert runner.run_to_end(saga_id) == "completed"
    assert journal == ["do a", "do b", "do c"]
    view = store.view(saga_id)
    assert view.counts == {"a": 1, "b": 1, "c": 1} and [s.status for s in view.steps] == ["done"] * 3
    assert events[-1][0] == "terminal" and events[-1][1]["type"] == "completed"
    assert runner.run_step(saga_id, "a").outcome is Outcome.STOPPED  # redelivery: nothing happens


def test_failure_compensates_in_reverse_including_the_failed_step(store) -> None:
    journal: list[str] = []
    runner = SagaRunner(definition(journal, fail_at="b"), store)
    saga_id = runner.start({})
    assert runner.run_to_end(saga_id) == "compensated"
    assert journal == ["do a", "do b", "undo b", "undo a"]
    view = store.view(saga_id)
    assert "b broke" in view.error
    assert [s.status for s in view.steps] == ["compensated", "compensated", "pending"]


def test_transient_errors_retry_then_compensate(store) -> None:
    journal: list[str] = []
    runner = SagaRunner(definition(journal, flaky={"b": 1}), store, max_attempts=2)
    saga_id = runner.start({})
    assert runner.run_to_end(saga_id, backoff=0) == "completed"
    assert store.view(saga_id).step("b").attempts == 2
    journal.clear()
    runner = SagaRunner(definition(journal, flaky={"c": 5}), store, max_attempts=2)
    saga_id = runner.start({})
    assert runner.run_to_end(saga_id, backoff=0) == "compensated"
    assert journal == ["do a", "do b", "undo c", "undo b", "undo a"]


def test_a_claimed_step_is_not_run_twice(store) -> None:
    runner = SagaRunner(definition([]), store)
    saga_id = runner.start({})
    assert store.claim(saga_id, "a", runner.lease)  # a worker holds it
    assert runner.run_step(saga_id, "a").outcome is Outcome.BUSY


def test_sweeper_resumes_a_lost_step_and_compensates_an_exhausted_one(store) -> None:
    journal: list[str] = []
    runner = SagaRunner(definition(journal), store, max_attempts=2)
    lost = runner.start({})
    runner.run_step(lost, "a")
    store.claim(lost, "b", runner.lease)  # claimed, then the worker died
    assert runner.sweep(stale_after=3600) == []  # not stale yet
    assert runner.sweep(stale_after=0) == [(lost, "b")]
    assert runner.run_to_end(lost, "b") == "completed"

    stuck = runner.start({})
    for _ in range(2):  # two workers died on step a
        store.write_step(stuck, "a", lease=runner.lease * 0)
        store.claim(stuck, "a", runner.lease)
        store.write_step(stuck, "a", compensation={"undo": "a"})
    journal.clear()
    assert runner.sweep(stale_after=0) == []
    assert store.view(stuck).status == "compensated" and journal == ["undo a"]
