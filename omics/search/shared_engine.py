"""The search engine on the shared index layer (``OMICS_INDEX_BACKEND=tantivy``).

Same interface and the same rules as :class:`~omics.search.engine.SearchEngine`: the query is
parsed and understood (concepts, other names, examples, filters) by the engine's own code; the
shared index (omics.search.shared_index) retrieves the candidates, counts and facets the whole
match set, and applies the proximity re-rank to a bounded pool; the first page is explained
from the corpus store's records as before. The ingestion seam (stage, index, publish, restore)
writes hidden generations into the shared index instead of bm25s segments.

Spelling correction is the bm25s engine's rule (:func:`omics.search.spelling.correct_query`),
its dictionary read from the shared index's term dictionary once per corpus version. A concept
name with a one-character word ("type 1 diabetes"), which the ranked fields do not see, is
checked in the records the index finds for it, as the bm25s engine checks them
(:meth:`SharedIndexEngine._disproved`): by the index's words around one-character words where
they tell, else by reading the text, so counts and full matches are the same. With words
and examples together, the examples' profile only ranks what the words match.

Pseudo-relevance feedback orders the partial matches only (:meth:`SharedIndexEngine._resemblance`:
the bm25s engine's rule for them, omics.search.feedback.with_partial_feedback), and only when
the ranking reaches them within its re-rank depth (fewer than 200 full matches); the full
matches keep their order (feedback over them, measured twice, lowered broad MAP here:
docs/EVALUATION.md, "Parity round"). Other names
of a concept are credited by the bm25s engine's rule (their words' BM25 where the name stands
as a phrase, corroborating the user's words: omics.search.shared_index.retrieval), except
that a concept's names are summed where the bm25s engine keeps the best one (measured lower
here). A name stands as a phrase where the engine's test says so: its words at their
positions in it (its stop words leave gaps in the index), with a stop word more in a gap; the
index cannot tell that stop word from another word, so the records it is unsure of are read
(:meth:`SharedIndexEngine._unheld`). Other differences in ranking: tantivy's BM25 (k1 1.2,
bm25s 1.5).
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from omics.config import Settings
from omics.search.brackets import qualifiers_in_front
from omics.search.budget import Budget
from omics.search.concepts import (
    CLINICAL_GAP_WORDS,
    QueryConcept,
    has_unindexed_word,
    phrase_gap,
    query_concepts,
)
from omics.search.corpus_store import CorpusStore, store_writers
from omics.search.engine import MAX_HITS, SearchEngine, other_names
from omics.search.feedback import with_partial_feedback
from omics.search.highlight import PhraseTest, QueryTerms
from omics.search.index import FIELDS, write_atomically
from omics.search.outcome import ProgressCallback, SearchOutcome
from omics.search.query_parser import ParsedQuery, parse_query
from omics.search.ranked_hits import RankedHits
from omics.search.ranking import (
    EXPANSION_CHECK_BUDGET,
    FIELD_WEIGHTS,
    PHRASE_CHECK_BUDGET,
    RERANK_POOL,
    length_ratio,
    phrases_of,
    query_stems,
)
from omics.search.request import SearchRequest, filters_to_dict
from omics.search.series import Series
from omics.search.shared_index import Retrieved, SharedIndex, SharedQuery, retrieve
from omics.search.shared_index.manifest import Manifest
from omics.search.shared_index.queries import OtherName, Words, name_words
from omics.search.shared_index.retrieval import Resemble, StemScorer, concepts_missed
from omics.search.shared_index.scoring import best_holder, held_only_by, phrase_candidates, stem_counts
from omics.search.shared_index.store import DOC_FREQS_KEPT
from omics.search.similarity import build_profile, resolve_examples
from omics.search.spelling import correct_query
from omics.search.staging import Publication, PublicationPoint, StagingArea, StagingConflict
from omics.search.vocabulary import Expansion, Vocabulary

SHARED_DIR = "shared-index"
Named = tuple[str, Words, int | None]  # a concept's name, its words, the slop it is held within


def open_store_and_shared_index(corpus_path: Path, data_dir: Path) -> tuple[CorpusStore, SharedIndex]:
    """Read the corpus store (records left in their files) and open its shared index, built once.

    Both under the store's writer lock: a publication in between would make the index look
    built for another corpus state, and this process would rebuild it from records it is missing.
    """
    with store_writers(data_dir):
        store = CorpusStore(corpus_path, data_dir, mapped=True)
        return store, SharedIndex.open(Path(data_dir) / SHARED_DIR, store.fingerprint, lambda: store.records)


def persisted_fingerprint(data_dir: Path) -> str | None:
    """The corpus state the shared index in ``data_dir`` was built for, if there is one."""
    manifest = Manifest.read(Path(data_dir) / SHARED_DIR)
    return manifest.fingerprint if manifest is not None else None


class SharedStagingArea(StagingArea):
    """An ingestion's files plus its hidden generation in the shared index."""

    def __init__(self, data_dir: Path, ingestion_id: str, shared: SharedIndex) -> None:
        super().__init__(data_dir, ingestion_id)
        self.shared = shared
        self.generation_path = self.root / "shared.json"

    def generation(self) -> tuple[int, int] | None:
        """``(base document id, generation)`` of the indexed staged records, if indexed."""
        if not self.generation_path.exists():
            return None
        data = json.loads(self.generation_path.read_text())
        return int(data["base"]), int(data["generation"])

    def drop(self, part: str | None = None) -> None:
        """Also delete the hidden generation when the index step (or everything) is undone."""
        staged = self.generation()
        if staged is not None and part in (None, "segments"):
            self.shared.drop(staged[1])
            self.generation_path.unlink(missing_ok=True)
        super().drop(part)


class MissedConcepts(Mapping[int, list[str]]):
    """The concepts each partial match of a search misses (document id -> labels), as the bm25s
    engine tells every partial hit: the first pool's from the retrieval, the rest read from the
    index a pool at a time, when a later page's hit is first made."""

    def __init__(
        self,
        known: dict[int, list[str]],
        partial: list[int],
        read: Callable[[list[int]], dict[int, list[str]]],
    ) -> None:
        self._known, self._partial, self._read = known, partial, read
        self._position = {doc: i for i, doc in enumerate(partial)}
        self._lock = threading.Lock()  # pages of one outcome may be read by several threads

    def __getitem__(self, doc: int) -> list[str]:
        if doc not in self._known:
            start = self._position[doc]  # KeyError: not a partial match
            with self._lock:
                block = [d for d in self._partial[start : start + RERANK_POOL] if d not in self._known]
                if block:
                    found = self._read(block)
                    self._known.update({d: found.get(d, []) for d in block})
        return self._known[doc]

    def __iter__(self) -> Iterator[int]:
        return iter(self._partial)

    def __len__(self) -> int:
        return len(self._partial)


class SharedIndexEngine(SearchEngine):
    """:class:`SearchEngine` answering from one memory-mapped index per data directory."""

    def __init__(self, settings: Settings, vocabulary: Vocabulary | None = None) -> None:
        self.shared_root = Path(settings.data_dir) / SHARED_DIR
        super().__init__(settings, vocabulary)

    # -- state -------------------------------------------------------------------------
    def _load(self) -> None:
        self.store, self.shared = open_store_and_shared_index(
            self.settings.corpus_path, self.settings.data_dir
        )
        self._version = self.store.version
        self._series_doc_freqs: tuple[int, dict[str, int]] = (self._version, {})  # stem -> _doc_freq
        gc.freeze()

    def _reload_if_changed(self) -> None:
        if self.store.disk_version() != self._version:
            self._load()

    @property
    def version(self) -> int:
        return self._version

    @property
    def size(self) -> int:
        return len(self.store.current)

    def add(self, series: Iterable[Series]) -> int:
        """Add or replace records: a new generation, published at once."""
        batch = list(series)
        with self._lock:
            if batch:
                generation, _count = self.shared.stage(batch, len(self.store))
                self._publish(generation, batch)
            return self._version

    def _publish(self, generation: int, records: list[Series]) -> None:
        """Append ``records`` to the store; their generation becomes visible just before the commit."""
        first = len(self.store)
        earlier = [d for d in (self.store.doc_id(r.accession) for r in records) if d is not None]

        def show(fingerprint: str) -> None:
            current = self.store.current
            candidates = [*earlier, *range(first, len(self.store))]
            gone = [d for d in candidates if current.get(self.store.accession(d)) != d]
            self.shared.publish(generation, sorted(set(gone)), fingerprint)

        self.store.add(records, show)
        self._version = self.store.version

    # -- ingestion ---------------------------------------------------------------------
    def staging(self, ingestion_id: str) -> SharedStagingArea:
        return SharedStagingArea(Path(self.settings.data_dir), ingestion_id, self.shared)

    def index_staged(self, ingestion_id: str) -> int:
        """Write the staged records as a hidden generation of the shared index; returns how many."""
        self._refresh_if_stale()
        area = self.staging(ingestion_id)
        earlier = area.generation()
        if earlier is not None:  # a redelivered step: replace what the first attempt wrote
            self.shared.drop(earlier[1])
        base = len(self.store)
        generation, count = self.shared.stage(area.records(), base)
        write_atomically(area.generation_path, json.dumps({"base": base, "generation": generation}))
        return count

    def publication_point(self) -> PublicationPoint:
        return PublicationPoint(self.store.state_text(), self.shared.text())

    def publish_staged(self, ingestion_id: str) -> Publication:
        area = self.staging(ingestion_id)
        with self._lock:
            self._reload_if_changed()
            old = self._version
            records = list(area.records())
            staged = area.generation()
            if not records or staged is None:
                return Publication(old, old, 0, ())
            if staged[0] != len(self.store):
                raise StagingConflict(f"the corpus grew from {staged[0]} to {len(self.store)} records")
            self._publish(staged[1], records)
            return Publication(old, self._version, len(records), tuple(area.new_accessions()))

    def restore(self, point: PublicationPoint) -> int:
        with self._lock, store_writers(self.settings.data_dir):  # no process opens a half-restored state
            self.store.restore_state(point.state)
            restored = CorpusStore(self.settings.corpus_path, self.settings.data_dir, mapped=True)
            self.shared.restore(point.manifest, len(restored), restored.records)
            self._load()
            return self._version

    # -- search ------------------------------------------------------------------------
    def search(
        self,
        request: SearchRequest,
        progress: ProgressCallback | None = None,
        within: Collection[str] | None = None,
        budget: Budget | None = None,
    ) -> SearchOutcome:
        report = progress or (lambda stage, percent, detail: None)
        budget = budget or Budget(self.settings.load.search_budget_seconds)
        self._refresh_if_stale()
        parsed = parse_query(request.query)
        parsed.free_text = qualifiers_in_front(parsed.free_text, self.vocabulary)
        spelling = self._correct_shared_spelling(parsed)
        filters = self._effective_filters(request.filters, parsed)
        report("parse", 10, {"parsed": parsed.to_dict()})
        budget.check("retrieve")

        text = f"{parsed.free_text} {' '.join(parsed.phrases)}".strip()
        stems = query_stems(text)
        terms = QueryTerms.from_text(parsed.free_text, parsed.phrases, self.vocabulary)
        expansions, contained = other_names(self.vocabulary, text, stems)
        concepts = query_concepts(text, self.vocabulary, query_stems) if text else []
        understood: dict[str, Any] = {"expansions": [e.to_dict() for e in expansions]} if expansions else {}
        weights: dict[str, float] = dict.fromkeys(stems, 1.0)
        boost: dict[str, float] = {}
        named = [self._names(c, expansions, contained) for c in concepts]
        unheld = [self._unheld(names, expansions) for names in named]
        examples = self._examples(request, parsed)
        if examples:
            profile = build_profile(
                resolve_examples(examples, self.store.get),
                self._doc_freq,
                self.size,
                FIELD_WEIGHTS,
                self.vocabulary,
            )
            understood["similar_to"] = profile.describe()
            # Beside the user's words the profile only ranks what they match (as the bm25s engine).
            profiled = boost if weights else weights
            for stem, weight in profile.terms.items():
                profiled[stem] = profiled.get(stem, 0.0) + weight
            if not terms.words:
                terms = QueryTerms(tuple(profile.describe()["terms"]))
        ask = SharedQuery(
            weights=weights,
            boost=boost,
            concepts=[[(stems, slop) for _name, stems, slop in names] for names in named],
            disproved=[self._disproved(names) for names in named],
            names=[self._other_name(e, concepts, unheld) for e in expansions],
            phrases=parsed.phrases,
            excluded=parsed.excluded,
            pinned=self._pinned_accessions(parsed),
            platforms=[a for a in parsed.accessions if a.startswith("GPL")],
            within=list(within) if within is not None else None,
            left_out=examples,
            filters=filters,
            browse=not [a for a in parsed.accessions if not a.startswith("GPL")] and not parsed.similar_to,
        )
        store = self.store  # what this search names documents by, whatever a reload brings meanwhile
        text_search = bool(terms.words) and not examples and request.sort == "relevance"
        resemble = self._resemblance(store, stems) if text_search else None
        found = retrieve(
            self.shared,
            ask,
            FIELD_WEIGHTS,
            stems,
            store.accession,
            len(store),
            MAX_HITS,
            RERANK_POOL,
            request.sort,
            resemble,
            [query_stems(name) for name in phrases_of(terms)] if terms.names else None,
            [query_stems(name) for name in terms.names],
        )
        report("retrieve", 40, {"matched": found.total, "partial": found.total_partial})
        budget.check("rank")

        also = [e.phrase for e in expansions]
        hits = self._shared_hits(found, list(ask.pinned), terms, also, concepts, ask)
        report("rank", 70, {"ranked": len(hits)})
        budget.check("facets")
        report("facets", 90, {"facets": sorted(found.facets)})
        budget.check("finish")
        for hit in hits[: request.page_size]:
            self._explain(hit)
        parsed_view = parsed.to_dict() | understood | spelling | {"filters": filters_to_dict(filters)}
        parsed_view["concepts"] = [concept.label for concept in concepts]
        outcome = SearchOutcome(
            parsed_view, found.total, hits, found.facets, self._version, found.total_partial
        )
        report(
            "finish", 100, {"total": found.total, "total_partial": found.total_partial, "returned": len(hits)}
        )
        return outcome

    def _resemblance(self, store: CorpusStore, stems: list[str]) -> Resemble:
        """Partial matches ordered by their resemblance to the full matches, as the bm25s engine
        orders them (omics.search.feedback; ``stems``, the query's own, left out): the feedback
        model of the best full matches, read from ``store``, scored among the ranked hits. The
        full matches keep their order (feedback over them measured lower here)."""

        def resemble(
            scores: np.ndarray, full: np.ndarray, docs: list[int], score_stems: StemScorer
        ) -> np.ndarray:
            records = store.records
            return with_partial_feedback(
                scores,
                full,
                lambda i: records[docs[i]],
                self._doc_freq,
                self.size,
                FIELD_WEIGHTS,
                score_stems,
                query_stems=stems,
            )

        return resemble

    def _correct_shared_spelling(self, parsed: ParsedQuery) -> dict[str, Any]:
        """Replace free-text words no series holds by the corpus word meant (omics.search.spelling),
        the dictionary read from the shared index's term dictionary (once per corpus version)."""
        version = self._version

        def holder(stem: str) -> Series | None:
            records = self.store.records  # a record the index shows before this store has it: none
            doc = best_holder(self.shared, stem, FIELD_WEIGHTS)
            return records[doc] if doc is not None and doc < len(records) else None

        return correct_query(
            parsed,
            lambda stem: self._doc_freq(stem) > 0,
            lambda: self._speller(version, lambda: stem_counts(self.shared, list(FIELD_WEIGHTS))),
            holder,
        )

    def _doc_freq(self, stem: str) -> int:
        """Series holding ``stem`` in their largest field (as the bm25s index answers it),
        remembered until the corpus version changes: a feedback model or an example profile asks
        for a thousand stems, each a look-up per field (about 3 ms of a 7 ms feedback model)."""
        version, known = self._series_doc_freqs
        if version != self._version:
            known = {}
            self._series_doc_freqs = (self._version, known)
        found = known.get(stem)
        if found is None:
            if len(known) >= DOC_FREQS_KEPT:
                known.clear()
            found = known[stem] = max(self.shared.doc_freq(name, stem) for name in FIELD_WEIGHTS)
        return found

    @staticmethod
    def _names(concept: QueryConcept, expansions: list[Expansion], contained: list[Expansion]) -> list[Named]:
        """Every name covering ``concept`` with its words (stems at their positions in it) and the
        slop it is held within (None: its words anywhere), by the bm25s engine's rules
        (:func:`omics.search.concepts.phrase_gap`); other names the vocabulary gave are held by
        the engine's exact test (slop 1: a stop word more in a gap, as :meth:`_unheld` checks)."""
        recognised = bool(concept.matched)

        def own(name: str, gap: int = 0) -> Named:
            words = phrase_gap(name, query_stems, recognised, gap)
            # Held without scoring, tantivy's slop bounds each gap: one allows the stop word the
            # engine's exact test allows.
            return name, name_words(name, query_stems(name)), None if words is None else max(words, 1)

        shorter = [e.phrase for e in contained if e.matched in concept.matched]
        other = [
            (e.phrase, name_words(e.phrase, query_stems(e.phrase)), 1)
            for e in expansions
            if e.matched in concept.matched
        ]
        return (
            [own(name) for name in (*concept.names, *shorter)]
            + [own(name, CLINICAL_GAP_WORDS) for name in concept.clinical]
            + other
        )

    @staticmethod
    def _other_name(expansion: Expansion, concepts: list[QueryConcept], unheld: list[list[str]]) -> OtherName:
        """``expansion`` as the shared index credits it: its stems where they stand as its phrase,
        except in the series read and found to hold none of its concept's other names (``unheld``,
        per concept: :meth:`_unheld`)."""
        stems = query_stems(expansion.phrase)
        positions = [p for p, _stem in name_words(expansion.phrase, stems)]
        gone = [
            a
            for c, read in zip(concepts, unheld, strict=True)
            if expansion.matched in c.matched
            for a in read
        ]
        weight = expansion.weight * length_ratio(expansion, stems)  # as the bm25s engine credits it
        return OtherName(stems, weight, query_stems(expansion.matched), positions, gone)

    def _unheld(self, names: list[Named], expansions: list[Expansion]) -> list[str]:
        """Series the index holds an other name of a concept in by the engine's exact test as it
        can answer it (a slop of one at the name's positions: any word may stand in a gap, where
        the engine allows only a stop word) and none at its own positions: read, as the
        bm25s engine reads an expansion's holders (omics.search.ranking.holding_phrase, the first
        ``EXPANSION_CHECK_BUDGET`` by their score for them), those whose text holds none of those
        names. "endometrioid endometrial carcinoma" holds no "endometrioid carcinoma"."""
        phrases = {e.phrase for e in expansions}
        loose = [
            (n, w)
            for n, w, slop in names
            if n in phrases and slop == 1 and len(w) > 1 and not has_unindexed_word(n)
        ]
        if not loose:
            return []
        strict = [(w, 0) for _n, w in loose]
        docs = held_only_by(self.shared, [(w, 1) for _n, w in loose], strict, EXPANSION_CHECK_BUDGET)
        return self._holding_none(docs, [PhraseTest(name) for name, _w in loose])

    def _disproved(self, names: list[Named]) -> list[str]:
        """Series the index holds a concept's name in but whose text does not: a name with a
        one-character word the ranked fields do not see ("type 2 diabetes" holds the stems of
        "type 1 diabetes"). As the bm25s engine does (omics.search.ranking.holding_phrase), the
        records holding it as those fields see it, and no other name of the concept, are
        checked (the first ``PHRASE_CHECK_BUDGET`` by their score for it): by the index's words
        around one-character words where they tell (omics.search.shared_index.exact), else by
        reading the record."""
        unseen = [(name, stems, slop) for name, stems, slop in names if has_unindexed_word(name)]
        if not unseen:
            return []
        others = [(stems, slop) for name, stems, slop in names if not has_unindexed_word(name)]
        tests = [PhraseTest(name) for name, _stems, _slop in unseen]
        found = phrase_candidates(
            self.shared, [(s, slop) for _n, s, slop in unseen], others, tests, PHRASE_CHECK_BUDGET
        )
        visible = len(self.store.records)  # records the index shows before this store has them: unread
        ruled_out = [doc for doc in found.docs if doc < visible and found.to_read(doc) is None]
        unsure = [doc for doc in found.docs if found.to_read(doc)]
        held_by_none = self._holding_none(unsure, tests)
        return [self.store.accession(doc) for doc in ruled_out] + held_by_none

    def _holding_none(self, docs: list[int], tests: list[PhraseTest]) -> list[str]:
        """The accessions of ``docs`` whose text passes none of ``tests`` (the engine's phrase
        test), read from the store; documents the index shows before this store has them are
        left unread."""
        if not docs:
            return []
        records = self.store.records
        visible = len(records)
        return [
            self.store.accession(doc) for doc in docs if doc < visible and not _holds_any(records[doc], tests)
        ]

    def _pinned_accessions(self, parsed: ParsedQuery) -> list[str]:
        """Series named by GSE/GDS accession in the query (shown first)."""
        pinned: list[str] = []
        for accession in parsed.accessions:
            if accession.startswith("GSE") and self.store.doc_id(accession) is not None:
                pinned.append(accession)
            elif accession.startswith("GDS"):
                pinned += [self.store.accession(d) for d in self.store.gds_docs(accession, len(self.store))]
        return list(dict.fromkeys(pinned))

    def _shared_hits(
        self,
        found: Retrieved,
        pinned: list[str],
        terms: QueryTerms,
        also: list[str],
        concepts: list[QueryConcept],
        ask: SharedQuery,
    ) -> RankedHits:
        """The ranked hits, series named in the query first, each made when first read; partial
        matches say which concepts they miss (their reasons show it): those of the first pool
        as retrieved, later ones when their hit is made (:class:`MissedConcepts`)."""
        accession_of = self.store.accession  # this search's store, whatever a reload brings later
        docs = found.docs
        scores: list[float] = np.round(np.asarray(found.scores, dtype=np.float64), 4).tolist()
        if pinned:
            named, top = set(pinned), max(scores, default=0.0)
            first = [i for i, doc in enumerate(docs) if accession_of(doc) in named]
            chosen = set(first)
            order = first + [i for i in range(len(docs)) if i not in chosen]
            docs = [docs[i] for i in order]
            scores = [top + 1.0 if i in chosen else scores[i] for i in order]

        def labels(missed: Mapping[int, list[int]]) -> dict[int, list[str]]:
            return {doc: [concepts[c].label for c in bits] for doc, bits in missed.items()}

        partial = [doc for doc, full in zip(found.docs, found.full, strict=True) if not full]
        known: dict[int, list[str]] = {doc: [] for doc in partial[:RERANK_POOL]} | labels(found.missing)
        missing = MissedConcepts(
            known, partial, lambda block: labels(concepts_missed(self.shared, ask, block, accession_of))
        )
        explained_by = (list(terms.words), list(terms.phrases), also)
        return RankedHits(docs, scores, accession_of, explained_by, missing)


def _holds_any(record: Series, tests: list[PhraseTest]) -> bool:
    """Does one of ``record``'s fields pass one of ``tests``? The record is decoded once and each
    field's text built and lower-cased once, however many tests there are (hundreds of records
    are read so; lowering a long sample text for each of a dozen names cost more than the tests)."""
    texts = (record.indexed_text(field).lower() for field in FIELDS)
    return any(test.in_lowered(text) for text in texts for test in tests)
