"""schemathesis over every version's OpenAPI document: no server error, every response as documented.

Runs in-process against the app (WSGI). The default suite tries a few examples per operation;
the ``system`` run tries many more.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from omics.api import BUNDLE

DOCUMENTS = ["/api/v1/openapi.json"] + [
    f"/api/v2/openapi.json?version={version.name}" for version in BUNDLE.dated()
]


@pytest.fixture(scope="module")
def contract_app(settings: Any, celery_app: Any) -> Any:
    """The app with limits high enough that fuzzing measures the contract, not the rate limiter."""
    from app import create_app

    security = replace(
        settings.security, rate_limit_anonymous="100000/minute", rate_limit_user="100000/minute"
    )
    return create_app(replace(settings, security=security), celery_app)


def _check(app: Any, document: str, examples: int) -> None:
    schema = schemathesis.openapi.from_wsgi(document, app)
    version = document.partition("?version=")[2] or None
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _run(operation, examples, version)
        except Exception as error:  # one report for every operation, not only the first
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)


def _run(operation: Any, examples: int, version: str | None) -> None:
    @hypothesis_settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    # Requests the documents allow (what the contract is about: no server error, every
    # answer as documented); malformed input has its own tests in tests/web/test_bad_input.py.
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def run(case: Any) -> None:
        # What the contract promises: no server error, every response as its document says.
        # Semantic rules a JSON Schema cannot state (a query or examples; examples that exist
        # in the corpus) make some schema-valid requests a documented 422, not a failure.
        # A dated document describes answers in its own version: ask in it. A generated header
        # naming another (real) version is answered in that version's shape, as its own
        # document says, so such cases are not this document's to judge.
        if version is not None:
            asked = (case.headers or {}).get("OmicsOracle-Version")
            assume(asked is None or asked == version)
            case.headers = {**(case.headers or {}), "OmicsOracle-Version": version}
        # The version header is rewritten to the document's own version above, which can turn a
        # generated negative case into a valid one: whether malformed input is refused is
        # tested in tests/web/test_bad_input.py, not here.
        case.call_and_validate(excluded_checks=[positive_data_acceptance, negative_data_rejection])

    run()


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_version_keeps_its_document(contract_app: Any, document: str) -> None:
    _check(contract_app, document, examples=5)


@pytest.mark.system
@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_version_keeps_its_document_thoroughly(contract_app: Any, document: str) -> None:
    _check(contract_app, document, examples=100)
