"""A fake NCBI E-utilities server over real HTTP on 127.0.0.1, for the tests and bench/.

It serves ``esearch.fcgi`` (with the history server: WebEnv + query_key, ``[PDAT]`` windows,
``[ACCN]`` lists) and ``esummary.fcgi`` (JSON, by history or by ``id``) over a corpus of
esummary documents you give it (any sequence, so a benchmark can generate 250,000 lazily). It
answers over NCBI's rate limit with 429 like NCBI does, and injects faults on demand: HTTP
errors, slow answers past the client's timeout, malformed JSON, per-uid errors and outages.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

_PDAT = re.compile(r'"(\d{4}(?:/\d{2}/\d{2})?)"\[PDAT\]\s*:\s*"(\d{4}(?:/\d{2}/\d{2})?)"\[PDAT\]')
_ACCN = re.compile(r"(G[A-Z]{2}\d+)\[ACCN\]", re.IGNORECASE)


def _as_date(text: str, end: bool) -> date:
    if len(text) == 4:
        return date(int(text), 12, 31) if end else date(int(text), 1, 1)
    year, month, day = (int(part) for part in text.split("/"))
    return date(year, month, day)


def series_document(number: int, title: str, published: str, **fields: Any) -> dict[str, Any]:
    """An esummary GSE document as NCBI writes it (uid 200000000 + number, ``pdat`` YYYY/MM/DD)."""
    return {
        "uid": str(200000000 + number),
        "accession": f"GSE{number}",
        "entrytype": "GSE",
        "title": title,
        "summary": fields.pop("summary", f"Summary of {title}."),
        "taxon": fields.pop("taxon", "Homo sapiens"),
        "gdstype": fields.pop("gdstype", "Expression profiling by high throughput sequencing"),
        "gpl": fields.pop("gpl", "24676"),
        "gds": "",
        "pdat": published,
        "suppfile": fields.pop("suppfile", "TXT"),
        "samples": fields.pop("samples", [{"accession": f"GSM{number}1", "title": f"{title} sample 1"}]),
        "n_samples": fields.pop("n_samples", 1),
        "pubmedids": fields.pop("pubmedids", []),
        "ftplink": f"ftp://ftp.ncbi.nlm.nih.gov/geo/series/GSE{number // 1000}nnn/GSE{number}/",
        "bioproject": fields.pop("bioproject", f"PRJNA{number}"),
        "platformtitle": fields.pop("platformtitle", ""),
        **fields,
    }


@dataclass
class Faults:
    """What goes wrong, and for how many requests (each counter is consumed per request)."""

    http_errors: int = 0
    http_status: int = 500
    slow: int = 0
    slow_seconds: float = 0.0
    malformed: int = 0
    error_uids: set[str] = field(default_factory=set)
    outage_until: float = 0.0
    retry_after: float | None = None
    down_endpoints: set[str] = field(default_factory=set)  # e.g. {"esummary.fcgi"}: 503 until removed

    def outage(self, seconds: float) -> None:
        """Every request fails with 503 for ``seconds`` from now."""
        self.outage_until = time.monotonic() + seconds


class FakeNcbi:
    """The server; ``base_url`` goes into ``OMICS_NCBI_BASE_URL``."""

    def __init__(self, documents: Sequence[dict[str, Any]], rate_limit: int = 10) -> None:
        self.documents = documents
        self.rate_limit = rate_limit
        self.faults = Faults()
        self.requests: list[dict[str, str]] = []
        self.rate_limited = 0
        self._recent: deque[float] = deque()
        self._histories: dict[str, list[int]] = {}
        self._webenvs = itertools.count(1)
        self._lock = threading.Lock()
        self._by_uid: dict[str, int] | None = None
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}/entrez/eutils"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeNcbi:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- HTTP --------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        params = {key: request.values[key] for key in request.values}
        response = self._answer(request.path.rsplit("/", 1)[-1], params)
        return response(environ, start_response)

    def _answer(self, endpoint: str, params: dict[str, str]) -> Response:
        with self._lock:
            self.requests.append({"endpoint": endpoint, **params})
            fault = self._take_fault(endpoint)
        if fault is not None:
            return fault
        if self._over_rate_limit():
            self.rate_limited += 1
            body = {"error": "API rate limit exceeded", "limit": str(self.rate_limit)}
            return self._json(body, 429, retry_after=self.faults.retry_after)
        if endpoint == "esearch.fcgi":
            return self._json(self._esearch(params))
        if endpoint == "esummary.fcgi":
            return self._esummary(params)
        return self._json({"error": f"unknown endpoint {endpoint}"}, 404)

    def _take_fault(self, endpoint: str) -> Response | None:
        faults = self.faults
        if time.monotonic() < faults.outage_until:
            return self._json({"error": "service unavailable"}, 503, faults.retry_after)
        if endpoint in faults.down_endpoints:
            return self._json({"error": "service unavailable"}, 503, faults.retry_after)
        if faults.http_errors:
            faults.http_errors -= 1
            return self._json({"error": "internal error"}, faults.http_status, faults.retry_after)
        if faults.slow:
            faults.slow -= 1
            time.sleep(faults.slow_seconds)
        if faults.malformed:
            faults.malformed -= 1
            return Response('{"result": {"uids": [', status=200, mimetype="application/json")
        return None

    def _over_rate_limit(self) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.rate_limit:
                return True
            self._recent.append(now)
            return False

    @staticmethod
    def _json(body: dict[str, Any], status: int = 200, retry_after: float | None = None) -> Response:
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    # -- E-utilities -------------------------------------------------------------------
    def _matching(self, term: str) -> list[int]:
        accessions = {a.upper() for a in _ACCN.findall(term)}
        window = _PDAT.search(term)
        low = _as_date(window.group(1), end=False) if window else None
        high = _as_date(window.group(2), end=True) if window else None
        found = []
        for position, document in enumerate(self.documents):
            if document.get("entrytype") != "GSE":
                continue
            if accessions and document["accession"].upper() not in accessions:
                continue
            if low is not None and high is not None:
                published = _as_date(document["pdat"], end=False)
                if not low <= published <= high:
                    continue
            found.append(position)
        return found

    def _esearch(self, params: dict[str, str]) -> dict[str, Any]:
        found = self._matching(params.get("term", ""))
        webenv = f"MCID_fake_{next(self._webenvs)}"
        with self._lock:
            self._histories[webenv] = found
        start, count = int(params.get("retstart", 0)), int(params.get("retmax", 20))
        ids = [self.documents[p]["uid"] for p in found[start : start + count]]
        return {
            "header": {"type": "esearch", "version": "0.3"},
            "esearchresult": {
                "count": str(len(found)),
                "retmax": str(len(ids)),
                "retstart": str(start),
                "idlist": ids,
                "querykey": "1",
                "webenv": webenv,
            },
        }

    def _esummary(self, params: dict[str, str]) -> Response:
        if "id" in params:
            positions = [self._position(uid) for uid in params["id"].split(",")]
        else:
            history = self._histories.get(params.get("WebEnv", ""))
            if history is None:
                return self._json({"error": "Unable to obtain query #1"})
            start, count = int(params.get("retstart", 0)), int(params.get("retmax", 20))
            positions = history[start : start + count]
        result: dict[str, Any] = {"uids": []}
        for position in positions:
            if position is None:
                continue
            document = self.documents[position]
            uid = document["uid"]
            result["uids"].append(uid)
            result[uid] = (
                {"uid": uid, "error": "cannot get document summary"}
                if uid in self.faults.error_uids
                else document
            )
        return self._json({"header": {"type": "esummary", "version": "0.3"}, "result": result})

    def _position(self, uid: str) -> int | None:
        if self._by_uid is None:
            self._by_uid = {document["uid"]: p for p, document in enumerate(self.documents)}
        return self._by_uid.get(uid.strip())
