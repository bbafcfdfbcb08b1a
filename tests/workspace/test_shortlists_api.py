"""Shortlists over HTTP: owner-only, validated, and exported as CSV, TSV, JSON and sample sheets."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask.testing import FlaskClient

from tests.security.conftest import bearer, login


def _signed_in(client: FlaskClient, user: str) -> dict[str, str]:
    return bearer(login(client, user)["access_token"])


def test_a_shortlist_is_kept_per_user_and_exported(client: FlaskClient) -> None:
    alice = _signed_in(client, "alice")
    created = client.post(
        "/api/v2/shortlists", json={"name": "kidney sets", "accessions": ["GSE53"]}, headers=alice
    )
    assert created.status_code == 201, created.get_json()
    shortlist = created.get_json()
    added = client.post(
        f"/api/v2/shortlists/{shortlist['id']}/items",
        json={"accessions": ["GSE150254", "GSE53"]},
        headers=alice,
    )
    assert added.get_json()["added"] == ["GSE150254"] and added.get_json()["count"] == 2
    listed = client.get("/api/v2/shortlists", headers=alice).get_json()["shortlists"]
    assert [(s["name"], s["count"]) for s in listed] == [("kidney sets", 2)]

    exported = client.get(f"/api/v2/shortlists/{shortlist['id']}/export?format=csv", headers=alice)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert 'filename="kidney-sets.csv"' in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [row["accession"] for row in rows] == ["GSE53", "GSE150254"]
    assert rows[0]["title"] == "Human mammary epithelium and breast cancer"
    assert rows[0]["geo_url"].endswith("acc=GSE53")
    tsv = client.get(f"/api/v2/shortlists/{shortlist['id']}/export?format=tsv", headers=alice)
    assert tsv.get_data(as_text=True).splitlines()[1].split("\t")[0] == "GSE53"
    document = client.get(f"/api/v2/shortlists/{shortlist['id']}/export?format=json", headers=alice)
    assert [s["accession"] for s in document.get_json()["series"]] == ["GSE53", "GSE150254"]
    # the shipped records have no sample lists yet: no sample sheet, and the reason says so
    samples = client.get(f"/api/v2/shortlists/{shortlist['id']}/export?format=samples", headers=alice)
    assert samples.status_code == 409 and samples.get_json()["error"]["code"] == "no_sample_lists"

    removed = client.delete(f"/api/v2/shortlists/{shortlist['id']}/items/GSE53", headers=alice)
    assert removed.status_code == 204
    detail = client.get(f"/api/v2/shortlists/{shortlist['id']}", headers=alice).get_json()
    assert [s["accession"] for s in detail["series"]] == ["GSE150254"]
    assert client.delete(f"/api/v2/shortlists/{shortlist['id']}", headers=alice).status_code == 204
    assert client.get(f"/api/v2/shortlists/{shortlist['id']}", headers=alice).status_code == 404


def test_someone_elses_shortlist_is_not_found_and_anonymous_callers_must_sign_in(
    client: FlaskClient,
) -> None:
    alice, bob = _signed_in(client, "alice"), _signed_in(client, "bob")
    own = client.post("/api/v2/shortlists", json={"name": "private"}, headers=alice).get_json()
    for method, path in (
        ("get", f"/api/v2/shortlists/{own['id']}"),
        ("get", f"/api/v2/shortlists/{own['id']}/export"),
        ("delete", f"/api/v2/shortlists/{own['id']}"),
    ):
        assert getattr(client, method)(path, headers=bob).status_code == 404
    assert client.get("/api/v2/shortlists").status_code == 401
    assert client.get(f"/api/v2/shortlists/{own['id']}", headers=alice).status_code == 200


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.get_json()["error"]
    return body


def test_bad_shortlist_requests_say_what_is_wrong(client: FlaskClient) -> None:
    alice = _signed_in(client, "alice")
    unknown = client.post(
        "/api/v2/shortlists", json={"name": "x", "accessions": ["GSE999999999"]}, headers=alice
    )
    assert unknown.status_code == 422 and _error(unknown)["details"] == {"accessions": ["GSE999999999"]}
    malformed = client.post("/api/v2/shortlists", json={"name": "x", "accessions": ["GSM1"]}, headers=alice)
    assert malformed.status_code == 422 and "accessions" in _error(malformed)["details"]
    blank = client.post("/api/v2/shortlists", json={"name": "   "}, headers=alice)
    assert blank.status_code == 422 and "name" in _error(blank)["details"]
    client.post("/api/v2/shortlists", json={"name": "twice"}, headers=alice)
    again = client.post("/api/v2/shortlists", json={"name": "twice"}, headers=alice)
    assert again.status_code == 409 and _error(again)["code"] == "name_taken"
    wrong_format = client.get("/api/v2/shortlists/none/export?format=xlsx", headers=alice)
    assert wrong_format.status_code == 422


def test_the_corpus_summary_counts_the_live_series(client: FlaskClient, secure_app: Any) -> None:
    from omics.web.state import state_of

    body = client.get("/api/v2/corpus").get_json()
    assert body["series"] == state_of(secure_app).services.engine.size
    assert body["organisms"]["Homo sapiens"] > body["organisms"]["Mus musculus"] > 0
    assert len(body["as_of"]) == 10 and body["as_of"][4] == "-"
    assert body["platform_names"]["GPL570"] == "Affymetrix Human Genome U133 Plus 2.0 Array"
