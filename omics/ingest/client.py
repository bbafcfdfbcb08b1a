"""An NCBI E-utilities client for GEO series (``db=gds``), keeping NCBI's usage rules.

``esearch`` finds series (``gse[ETYP]``) by publication-date window or accession list and
leaves the result on NCBI's history server (WebEnv + query_key), so a result of any size is
read back by ``esummary`` in batches (500 a request) without sending ids around. Every request
carries ``tool`` and ``email`` (and ``api_key`` when configured), waits for the shared rate
limit (:class:`~omics.ingest.pacing.RequestPacer`), is retried with backoff on 429, 5xx,
timeouts and malformed JSON (honouring ``Retry-After``, with tenacity), and goes through a
circuit breaker (pybreaker) so an NCBI outage fails fast and is probed again after a pause.

Records' accessions come from their ``accession`` field (see ``omics.search.loaders.esummary``),
never from the numeric uid.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pybreaker
import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from omics.config import IngestSettings
from omics.ingest.pacing import RequestPacer

log = logging.getLogger(__name__)

ATTEMPTS = 5
BREAKER_FAILURES = 5
BREAKER_RESET_SECONDS = 30.0
MAX_RETRY_AFTER = 60.0


class NcbiError(Exception):
    """NCBI could not answer; the caller may try again later (the saga retries the step)."""


class NcbiUnavailable(NcbiError):
    """NCBI failed every attempt, or the circuit breaker is open after repeated failures."""


class _Retryable(Exception):
    """One failed attempt worth repeating; ``retry_after`` is NCBI's requested pause, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _RateLimited(_Retryable):
    """A 429: NCBI is pacing us, not failing (does not count against the breaker)."""


@dataclass(frozen=True)
class SearchHandle:
    """Where an esearch result waits on NCBI's history server."""

    count: int
    webenv: str
    query_key: str


def date_window_term(since: date, until: date | None) -> str:
    """The esearch term for GEO series published in ``[since, until]`` (open-ended without until)."""
    end = until.strftime("%Y/%m/%d") if until else "3000"
    return f'gse[ETYP] AND ("{since:%Y/%m/%d}"[PDAT] : "{end}"[PDAT])'


def accessions_term(accessions: Sequence[str]) -> str:
    return "gse[ETYP] AND (" + " OR ".join(f"{a}[ACCN]" for a in accessions) + ")"


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(value)))
    except ValueError:
        return None


def _wait(state: RetryCallState) -> float:
    """NCBI's Retry-After when it sent one, else exponential backoff with jitter."""
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, _Retryable) and error.retry_after is not None:
        return error.retry_after
    return float(wait_exponential_jitter(initial=0.5, max=20)(state))


class EutilsClient:
    """esearch and esummary over HTTP, paced, retried and guarded by a circuit breaker."""

    def __init__(
        self,
        settings: IngestSettings,
        pacer: RequestPacer,
        session: requests.Session | None = None,
        breaker: pybreaker.CircuitBreaker | None = None,
        attempts: int = ATTEMPTS,
    ) -> None:
        self._settings = settings
        self._pacer = pacer
        self._session = session or requests.Session()
        self._breaker = breaker or pybreaker.CircuitBreaker(
            fail_max=BREAKER_FAILURES, reset_timeout=BREAKER_RESET_SECONDS, exclude=[_RateLimited, NcbiError]
        )
        self._attempts = attempts

    @property
    def breaker(self) -> pybreaker.CircuitBreaker:
        return self._breaker

    def search(self, term: str) -> SearchHandle:
        """Run esearch with ``usehistory=y``; the ids stay on NCBI's history server."""
        body = self._call("esearch.fcgi", {"term": term, "usehistory": "y", "retmax": "0"})
        result = body.get("esearchresult")
        if not isinstance(result, dict) or "count" not in result or "webenv" not in result:
            error = (result or {}).get("ERROR") if isinstance(result, dict) else None
            raise NcbiError(f"esearch answered without a history handle: {error or 'no result'}")
        return SearchHandle(int(result["count"]), str(result["webenv"]), str(result["querykey"]))

    def search_published(self, since: date, until: date | None = None) -> SearchHandle:
        return self.search(date_window_term(since, until))

    def search_accessions(self, accessions: Sequence[str]) -> SearchHandle:
        return self.search(accessions_term(accessions))

    def summaries(self, handle: SearchHandle, start: int, count: int) -> dict[str, Any]:
        """One esummary JSON document for ``count`` records from ``start`` of a history result."""
        body = self._call(
            "esummary.fcgi",
            {
                "WebEnv": handle.webenv,
                "query_key": handle.query_key,
                "retstart": str(start),
                "retmax": str(count),
                "retmode": "json",
            },
        )
        if not isinstance(body.get("result"), dict):
            raise NcbiError(f"esummary answered without a result: {body.get('error', 'no result')}")
        return body

    # -- one request -------------------------------------------------------------------
    def _call(self, endpoint: str, params: dict[str, str]) -> dict[str, Any]:
        query = {"db": "gds", "retmode": "json", "tool": self._settings.tool, **params}
        if self._settings.email:
            query["email"] = self._settings.email
        if self._settings.api_key:
            query["api_key"] = self._settings.api_key
        url = f"{self._settings.base_url}/{endpoint}"
        try:
            for attempt in Retrying(
                retry=retry_if_exception_type(_Retryable),
                wait=_wait,
                stop=stop_after_attempt(self._attempts),
                reraise=True,
            ):
                with attempt:
                    body: dict[str, Any] = self._breaker.call(self._attempt, url, query)
                    return body
        except pybreaker.CircuitBreakerError as exc:
            raise NcbiUnavailable(f"NCBI circuit open: {exc}") from None
        except _Retryable as exc:
            raise NcbiUnavailable(f"NCBI {endpoint} failed {self._attempts} times: {exc}") from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _attempt(self, url: str, query: dict[str, str]) -> dict[str, Any]:
        self._pacer.acquire()
        try:
            response = self._session.post(url, data=query, timeout=self._settings.request_timeout)
        except requests.RequestException as exc:  # timeouts, refused and reset connections
            raise _Retryable(type(exc).__name__) from None
        if response.status_code == 429:
            raise _RateLimited("429 rate limited", _retry_after(response))
        if response.status_code >= 500:
            raise _Retryable(f"HTTP {response.status_code}", _retry_after(response))
        if response.status_code >= 400:
            raise NcbiError(f"NCBI refused the request: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise _Retryable("malformed JSON") from None
        if not isinstance(body, dict):
            raise _Retryable("JSON that is not an object")
        return body
