"""The message envelope: what a receiver accepts and the clear reason it gives for what it cannot read."""

from __future__ import annotations

import pytest

from omics.services import Envelope, UnreadableMessage, open_envelope
from omics.services.envelope import SCHEMA


def test_an_envelope_round_trips_through_headers() -> None:
    sent = Envelope(trace={"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"})
    assert open_envelope(sent.headers()) == sent


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({**Envelope().headers(), SCHEMA: 99}, "schema version 99 is not one of [0, 1]"),
        ({**Envelope().headers(), "omics_correlation_id": ""}, "no correlation id"),
    ],
)
def test_an_unreadable_message_is_refused_with_its_reason(
    headers: dict[str, object] | None, reason: str
) -> None:
    with pytest.raises(UnreadableMessage, match=reason.replace("[", r"\[").replace("]", r"\]")):
        open_envelope(headers)


@pytest.mark.parametrize("headers", [None, {}, {"other": 1}])
def test_a_message_of_the_release_before_envelopes_is_read(headers: dict[str, object] | None) -> None:
    """During a rolling upgrade old processes still send messages without an envelope."""
    received = open_envelope(headers)
    assert received.schema == 0 and received.correlation_id
