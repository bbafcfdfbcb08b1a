"""Did you mean: a word no series holds is corrected against the corpus's own vocabulary."""

from __future__ import annotations

from collections.abc import Callable

from omics.search.engine import SearchEngine
from omics.search.outcome import SearchOutcome


def test_a_misspelled_disease_is_searched_as_the_corpus_spells_it(run: Callable[..., SearchOutcome]) -> None:
    typo, right = run("neuroblastma"), run("neuroblastoma")
    assert typo.parsed["did_you_mean"] == "neuroblastoma"
    assert typo.parsed["spelling"] == [{"typed": "neuroblastma", "searched": "neuroblastoma"}]
    assert any("neuroblastma" in note for note in typo.parsed["notes"])
    assert typo.total == right.total > 100
    assert [h.accession for h in typo.hits[:20]] == [h.accession for h in right.hits[:20]]


def test_only_the_misspelled_word_changes(run: Callable[..., SearchOutcome]) -> None:
    outcome = run("rheumatoid arthritus synovium")
    assert outcome.parsed["did_you_mean"] == "rheumatoid arthritis synovium"
    assert outcome.parsed["free_text"] == "rheumatoid arthritis synovium"


def test_words_the_corpus_holds_and_acronyms_are_never_corrected(
    engine: SearchEngine, run: Callable[..., SearchOutcome]
) -> None:
    # "pheochromocytoma" is in a handful of series only; "HepG2" is an acronym-shaped cell line
    for query in ("pheochromocytoma", "HepG2 cells", "Parkinsons", "breast cancer"):
        outcome = run(query)
        assert "did_you_mean" not in outcome.parsed and outcome.total > 0, query
