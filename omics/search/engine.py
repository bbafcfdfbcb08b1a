"""The search engine facade: one object the task, v1, the page and the benchmarks all use.

``SearchEngine.open(settings)`` loads the corpus store and memory-maps the persisted index
(building it once if the data directory has none for this corpus). ``search`` runs the real
pipeline and reports each stage of :data:`omics.search.request.STAGES` as it finishes. Searches
read an immutable snapshot of (index, metadata columns, live documents), so any number of
threads search while ``add`` prepares the next snapshot and swaps it in under a lock. A
process notices another process's ``add`` (same data directory) and reloads.
"""

from __future__ import annotations

import copy
import gc
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from omics.config import Settings
from omics.search.brackets import bracket_names, qualifiers_in_front
from omics.search.budget import Budget
from omics.search.concepts import (
    QueryConcept,
    covering,
    full_matches,
    has_unindexed_word,
    missing,
    query_concepts,
)
from omics.search.corpus_store import CorpusStore
from omics.search.facets import MetadataColumns
from omics.search.feedback import with_feedback
from omics.search.highlight import (
    QueryTerms,
    highlights,
    other_names_found,
    reasons,
    sample_reasons,
    words_of,
)
from omics.search.index import FIELDS, SegmentedIndex
from omics.search.locking import exclusive as _exclusive  # serialise index builds across processes
from omics.search.outcome import Hit, ProgressCallback, SearchOutcome
from omics.search.query_parser import ParsedQuery, parse_query
from omics.search.ranking import (
    FIELD_WEIGHTS,
    RERANK_POOL,
    StemCache,
    TermScores,
    cached_stem_score,
    holding_phrase,
    proximity_bonus,
    query_stems,
    sample_size_weighted,
    score_expansions,
    score_terms,
    score_weighted_stems,
    stem_score,
    top_order,
)
from omics.search.request import SearchFilters, SearchRequest, filters_to_dict
from omics.search.series import Series
from omics.search.similarity import build_profile, resolve_examples
from omics.search.spelling import Speller, correct_query
from omics.search.staging import Publication, PublicationPoint, StageCounts, StagingArea, StagingConflict
from omics.search.vocabulary import Expansion, Vocabulary, vocabulary

MAX_HITS = 1000  # ranked hits kept per search; totals still count every match


@dataclass(frozen=True)
class _Snapshot:
    """Everything one search reads, frozen at one corpus version."""

    version: int
    size: int
    index: SegmentedIndex
    columns: MetadataColumns
    live: np.ndarray


def _texts(records: Sequence[Series]) -> dict[str, list[str]]:
    return {name: [r.indexed_text(name) for r in records] for name in FIELDS}


def _longer_form(expansion: Expansion) -> bool:
    """Is the other name the user's own words and more ("depressive disorder" for "depression")?

    Every record holding it holds the words, which found it already: scoring it again would
    count the words twice for records that phrase the name the long way. A name of the query
    with a word the index does not see ("type 2 diabetes") is not held by its stems alone, so
    "type II diabetes" stays another name.
    """
    own = set(query_stems(expansion.matched))
    return own <= set(query_stems(expansion.phrase)) and not has_unindexed_word(expansion.matched)


def other_names(
    vocabulary: Vocabulary, text: str, stems: list[str]
) -> tuple[list[Expansion], list[Expansion]]:
    """The vocabulary's other names of the query's concepts: those to search, and those made
    only of the query's own words ("cancer of breast" for "breast cancer"), which cover a
    concept but find nothing the words did not (searching them would only cost a phrase check
    over every such record). Longer forms of the user's own name are neither (_longer_form)."""
    searched: list[Expansion] = []
    contained: list[Expansion] = []
    for expansion in vocabulary.expand(text) if text else []:
        if set(query_stems(expansion.phrase)) <= set(stems):
            contained.append(expansion)
        elif not _longer_form(expansion):
            searched.append(expansion)
    return searched, contained


def _no_progress(stage: str, progress: int, detail: dict[str, Any]) -> None:
    """Default progress callback for callers that do not report progress."""


def open_store_and_index(corpus_path: Path, data_dir: Path) -> tuple[CorpusStore, SegmentedIndex]:
    """Read the corpus store and load its persisted index, building it (once, under a lock) if stale.

    The store is read under the index's lock too: a publication between the two would make the
    index look built for another corpus state, and this process would rebuild it without its records.
    """
    root = Path(data_dir) / "index"
    with _exclusive(root):
        store = CorpusStore(corpus_path, data_dir)
        index = SegmentedIndex.load(root, store.fingerprint)
        if index is None:
            index = SegmentedIndex.build(root, _texts(store.records), store.fingerprint)
    return store, index


class SearchEngine:
    """Fielded BM25 search over GEO series with filters, facets, explanations and growth."""

    def __init__(self, settings: Settings, vocabulary: Vocabulary | None = None) -> None:
        self.settings = settings
        self._vocabulary = vocabulary  # None: the shipped ontologies, loaded on first use
        self.index_root = Path(settings.data_dir) / "index"
        self._lock = threading.Lock()
        self._spelling: tuple[object, Speller] | None = None
        self._spelling_lock = threading.Lock()  # not the engine's: a build must not hold up adds
        self._load()

    @classmethod
    def open(cls, settings: Settings, vocabulary: Vocabulary | None = None) -> SearchEngine:
        """The engine on the index layer ``settings.index_backend`` names (bm25s or tantivy)."""
        if settings.index_backend == "tantivy":
            from omics.search.shared_engine import SharedIndexEngine  # it builds on this module

            return SharedIndexEngine(settings, vocabulary)
        if settings.index_backend != "bm25s":
            raise ValueError(f"OMICS_INDEX_BACKEND must be bm25s or tantivy, not {settings.index_backend!r}")
        return cls(settings, vocabulary)

    # -- state -------------------------------------------------------------------------
    def _load(self) -> None:
        """(Re)read the store from disk and load, or build once, the matching index."""
        store, index = open_store_and_index(self.settings.corpus_path, self.settings.data_dir)
        columns = MetadataColumns()
        columns.extend(store.records)
        self.store = store
        self._snapshot = _Snapshot(store.version, len(store), index, columns, store.live_mask())
        # Millions of long-lived record objects would make every full garbage collection a
        # pause of up to a second (the p99 at 250k series); frozen objects are never scanned.
        gc.freeze()

    def _refresh_if_stale(self) -> None:
        """Load what another process published since, before answering from this process.

        Every search checks (one read of a small state file, about 20 us): a researcher told
        that an ingestion completed must find its series at once, not a second later.
        """
        if self.store.disk_version() != self.version:
            with self._lock:
                self._reload_if_changed()

    def _reload_if_changed(self) -> None:
        """Under the lock: load what another process published (or restored) since."""
        if self.store.disk_version() != self._snapshot.version:
            self._load()

    @property
    def version(self) -> int:
        """The corpus version searches currently run against (changes with every add)."""
        return self._snapshot.version

    @property
    def size(self) -> int:
        """Live (current) series in the corpus."""
        return int(self._snapshot.live.sum())

    def get(self, accession: str) -> Series | None:
        """The record, as another process (an ingest worker) may have just published it: an
        alert's link to a series published a moment ago must not answer "not in the corpus"."""
        self._refresh_if_stale()
        return self.store.get(accession)

    def add(self, series: Iterable[Series]) -> int:
        """Add or replace records; the index grows by a delta segment, not a rebuild. Returns the version."""
        batch = list(series)
        with self._lock:
            if not batch:
                return self._snapshot.version
            old = self._snapshot
            self.store.add(batch)
            store = self.store
            with _exclusive(self.index_root):
                index = old.index.with_added(
                    lambda start: _texts(store.records[start:]), len(store), store.fingerprint
                )
            columns = copy.deepcopy(old.columns)
            columns.extend(store.records[old.size :])
            self._snapshot = _Snapshot(store.version, len(store), index, columns, store.live_mask())
            return store.version

    # -- ingestion: stage -> index -> publish (or restore) --------------------------------
    # The one seam an ingestion uses, so the index behind it can change (segments become
    # visible only at publish). Nothing staged is visible; publishing moves records, index
    # and version together; restoring a publication point undoes one.

    def staging(self, ingestion_id: str) -> StagingArea:
        return StagingArea(Path(self.settings.data_dir), ingestion_id)

    def stage(self, ingestion_id: str, records: Iterable[Series]) -> StageCounts:
        """Keep the records that are new or changed (first of each accession) for publication."""
        self._refresh_if_stale()
        seen: set[str] = set()
        new: list[str] = []
        tally = {"new": 0, "updated": 0, "unchanged": 0, "duplicates": 0}

        def wanted() -> Iterator[Series]:
            for record in records:
                if record.accession in seen:
                    tally["duplicates"] += 1
                    continue
                seen.add(record.accession)
                existing = self.store.get(record.accession)
                if existing == record:
                    tally["unchanged"] += 1
                    continue
                tally["new" if existing is None else "updated"] += 1
                if existing is None:
                    new.append(record.accession)
                yield record

        area = self.staging(ingestion_id)
        area.write_records(wanted())
        counts = StageCounts(**tally)
        area.write_summary(counts, new)
        return counts

    def index_staged(self, ingestion_id: str) -> int:
        """Build invisible index segments for the staged records; returns how many records."""
        self._refresh_if_stale()
        built = self.staging(ingestion_id).build_segments(base=len(self.store))
        return sum(segment["count"] for segment in built)

    def publication_point(self) -> PublicationPoint:
        """What :meth:`restore` needs to put the current publication back."""
        with _exclusive(self.index_root):
            return PublicationPoint(self.store.state_text(), SegmentedIndex.manifest_text(self.index_root))

    def publish_staged(self, ingestion_id: str) -> Publication:
        """Make the staged records and their segments the next corpus version, in every process.

        Order: records appended (not yet committed), segments moved in, the index manifest
        switched, then the store's state written: that last atomic rename is the commit. A
        crash before it leaves the old state, whose loader drops the uncommitted records.
        """
        area = self.staging(ingestion_id)
        with self._lock:
            self._reload_if_changed()
            old = self._snapshot
            records = list(area.records())
            if not records:
                return Publication(old.version, old.version, 0, ())
            base = area.segments()[0]
            if base != len(self.store):
                raise StagingConflict(f"the corpus grew from {base} to {len(self.store)} records")
            with _exclusive(self.index_root):
                segments = area.move_segments_to(self.index_root)
                holder: list[SegmentedIndex] = []
                self.store.add(records, lambda fp: holder.append(old.index.with_segments(segments, fp)))
            columns = copy.deepcopy(old.columns)
            columns.extend(records)
            store = self.store
            self._snapshot = _Snapshot(store.version, len(store), holder[0], columns, store.live_mask())
            return Publication(old.version, store.version, len(records), tuple(area.new_accessions()))

    def restore(self, point: PublicationPoint) -> int:
        """Put back the corpus state and index of ``point`` (idempotent); returns the version."""
        with self._lock:
            with _exclusive(self.index_root):
                SegmentedIndex.restore_manifest(self.index_root, point.manifest)
                self.store.restore_state(point.state)
            self._load()
            return self._snapshot.version

    # -- search ------------------------------------------------------------------------
    def search(
        self,
        request: SearchRequest,
        progress: ProgressCallback | None = None,
        within: Collection[str] | None = None,
        budget: Budget | None = None,
    ) -> SearchOutcome:
        """Run the query; ``progress(stage, percent, detail)`` is called when each stage really ends.

        ``within`` restricts the matches to those accessions (a saved search run over the
        series an ingestion just published). ``budget`` (default: ``OMICS_SEARCH_BUDGET_SECONDS``
        from now) is checked between stages: a search over it raises
        :class:`~omics.search.budget.SearchOverBudget`.
        """
        report = progress or _no_progress
        budget = budget or Budget(self.settings.load.search_budget_seconds)
        self._refresh_if_stale()
        snap = self._snapshot
        parsed = parse_query(request.query)
        parsed.free_text = qualifiers_in_front(parsed.free_text, self.vocabulary)
        spelling = self._correct_spelling(parsed, snap)
        filters = self._effective_filters(request.filters, parsed)
        report("parse", 10, {"parsed": parsed.to_dict()})
        budget.check("retrieve")

        terms = QueryTerms.from_text(parsed.free_text, parsed.phrases, self.vocabulary)
        stems = query_stems(f"{parsed.free_text} {' '.join(parsed.phrases)}")
        stem_cache: StemCache = {}
        scored, understood, examples = self._score(
            self._examples(request, parsed), parsed, stems, snap, stem_cache
        )
        if not terms.words and "similar_to" in understood:
            terms = QueryTerms(tuple(understood["similar_to"]["terms"]))
        pinned = self._pinned(parsed, snap)
        budget.check("retrieve")
        match = self._match_set(parsed, scored, pinned, filters, snap, stem_cache, budget)
        if within is not None:
            match &= self._accession_mask(within, snap)
        match[examples] = False  # "more like these" never answers with the examples themselves
        concepts, covered = self._coverage(parsed, scored, snap, stem_cache)
        full = match & full_matches(covered, snap.size)
        full[pinned] = match[pinned]  # a series named by accession is what was asked for
        total, total_partial = int(full.sum()), int(match.sum()) - int(full.sum())
        report("retrieve", 40, {"matched": total, "partial": total_partial})
        budget.check("rank")

        if terms.words and not examples and request.sort == "relevance":
            scored.scores = self._with_feedback(scored.scores, full if total else match, snap, scored.stems)
            scored.scores = sample_size_weighted(scored.scores, match, snap.columns.sample_count)
        order = self._rank(request, scored, full, snap, terms)
        if total_partial and len(order) < MAX_HITS:  # partial matches only after every full one
            order += self._rank(request, scored, match & ~full, snap, terms)[: MAX_HITS - len(order)]
        pinned_hits = [d for d in pinned if match[d]]
        rest = [d for d in order if d not in pinned_hits]
        order = pinned_hits + rest[: MAX_HITS - len(pinned_hits)]
        also = [expansion["phrase"] for expansion in understood.get("expansions", [])]
        hits = self._hits(order, scored.scores, pinned_hits, terms, also)
        for hit, doc in zip(hits, order, strict=True):
            if not full[doc]:
                hit.missing = missing(concepts, covered, doc)
        report("rank", 70, {"ranked": len(hits)})
        budget.check("facets")

        facets = snap.columns.facets(full)
        report("facets", 90, {"facets": sorted(facets)})
        budget.check("finish")

        for hit in hits[: request.page_size]:
            self._explain(hit)
        parsed_view = parsed.to_dict() | understood | spelling
        parsed_view["filters"] = filters_to_dict(filters)
        parsed_view["concepts"] = [concept.label for concept in concepts]
        outcome = SearchOutcome(parsed_view, total, hits, facets, snap.version, total_partial)
        report("finish", 100, {"total": total, "total_partial": total_partial, "returned": len(hits)})
        return outcome

    def explain(self, hit: Hit) -> Series:
        """The record of ``hit``, with the hit's highlights and reasons filled in if it had none.

        A search explains only its first page; later pages are explained when first read.
        """
        record = self.store.get(hit.accession)
        if record is None:
            raise KeyError(hit.accession)
        if not hit.highlights:
            self._explain(hit)
        return record

    # -- pipeline steps ----------------------------------------------------------------
    @property
    def vocabulary(self) -> Vocabulary:
        """The ontology vocabulary, loaded on first use (its lexicon is cached in the data directory)."""
        if self._vocabulary is None:
            self._vocabulary = vocabulary(Path(self.settings.data_dir))
            gc.freeze()  # the lexicon lives as long as the process: keep it out of collector passes
        return self._vocabulary

    def _examples(self, request: SearchRequest, parsed: ParsedQuery) -> tuple[str, ...]:
        """The request's examples, then those the query text names ("more datasets like GSE…").

        A series named in the text but missing from the corpus is left out with a note (the
        text may be anything); the request's own list was validated before the search ran.
        """
        named = []
        for accession in parsed.similar_to:
            if self.store.get(accession) is None:
                parsed.notes.append(f"{accession} is not in the corpus, so it is not used as an example")
            else:
                named.append(accession)
        return tuple(dict.fromkeys((*request.similar_to, *named)))

    def _score(
        self,
        examples: tuple[str, ...],
        parsed: ParsedQuery,
        stems: list[str],
        snap: _Snapshot,
        stem_cache: StemCache,
    ) -> tuple[TermScores, dict[str, Any], list[int]]:
        """Score the query's words, other names of the concepts they name, and the examples' profile.

        Returns the scores, what was understood beyond the parsed query (shown to the user), and
        the document ids of the examples. With both text and examples, each part is scaled to
        its best document so neither dominates by the mere size of its numbers.
        """
        names = [query_stems(name) for name in bracket_names(parsed.free_text, self.vocabulary)]
        scored = score_terms(snap.index, stems, snap.size, cache=stem_cache, names=names)
        understood: dict[str, Any] = {}
        text = f"{parsed.free_text} {' '.join(parsed.phrases)}".strip()
        expansions, contained = other_names(self.vocabulary, text, stems)
        for expansion in contained:  # still names that cover the concept
            scored.contained.setdefault(expansion.matched, []).append(expansion.phrase)
        if expansions:
            extra = score_expansions(
                snap.index, expansions, snap.size, self.store.records.__getitem__, stem_cache, scored.credits
            )
            scored.scores += extra
            scored.also = extra > 0
            understood["expansions"] = [e.to_dict() for e in expansions]
        if not examples:
            return scored, understood, []
        records = resolve_examples(examples, self.store.get)
        profile = build_profile(records, snap.index.doc_freq, snap.size, FIELD_WEIGHTS, self.vocabulary)
        similar = score_weighted_stems(snap.index, profile.terms, snap.size)
        understood["similar_to"] = profile.describe()
        if scored.stems or scored.also is not None:
            scored.scores = scored.scores / max(float(scored.scores.max()), 1e-9) + similar / max(
                float(similar.max()), 1e-9
            )
        else:
            scored.scores, scored.also = similar, similar > 0
        ids = (self.store.doc_id(r.accession) for r in records)
        example_ids = [d for d in ids if d is not None and d < snap.size]
        return scored, understood, example_ids

    def _correct_spelling(self, parsed: ParsedQuery, snap: _Snapshot) -> dict[str, Any]:
        """Replace free-text words no series holds by the corpus word meant (omics.search.spelling)."""
        return correct_query(
            parsed,
            lambda stem: bool(snap.index.doc_freq(stem)),
            lambda: self._speller(snap.index, snap.index.stem_counts),
            lambda stem: self.store.records[int(np.argmax(stem_score(snap.index, stem, snap.size)))],
        )

    def _speller(self, index: object, stem_counts: Callable[[], Mapping[str, int]]) -> Speller:
        """The spelling dictionary of ``index`` (an index snapshot), built on first use and after growth."""
        with self._spelling_lock:
            if self._spelling is None or self._spelling[0] != index:
                self._spelling = (index, Speller(stem_counts()))
            return self._spelling[1]

    def _coverage(
        self, parsed: ParsedQuery, scored: TermScores, snap: _Snapshot, stem_cache: StemCache
    ) -> tuple[list[QueryConcept], list[np.ndarray]]:
        """The query's concepts and, per concept, the documents covering it (omics.search.concepts)."""
        text = f"{parsed.free_text} {' '.join(parsed.phrases)}".strip()
        if not text:
            return [], []
        concepts = query_concepts(text, self.vocabulary, query_stems)

        def holding(name: str, candidates: np.ndarray, gap: int) -> np.ndarray:
            return holding_phrase(
                name, candidates, snap.index, self.store.records.__getitem__, scored.scores, gap_words=gap
            )

        def present(stem: str) -> np.ndarray:
            held = scored.present.get(stem)
            if held is None:  # a clinical form of a lay word ("carcinoma" for "cancer")
                held = cached_stem_score(snap.index, stem, snap.size, stem_cache) > 0
            return held

        return concepts, covering(
            concepts, present, scored.credits, query_stems, snap.size, holding, scored.contained
        )

    def _with_feedback(
        self, scores: np.ndarray, among: np.ndarray, snap: _Snapshot, stems: Sequence[str]
    ) -> np.ndarray:
        """The query's scores mixed with what its best matches share (omics.search.feedback);
        ``stems`` are the query's own, left out of the resemblance of partial matches."""
        return with_feedback(
            scores,
            among,
            self.store.records.__getitem__,
            snap.index.doc_freq,
            snap.size,
            FIELD_WEIGHTS,
            lambda weights: score_weighted_stems(snap.index, weights, snap.size),
            query_stems=stems,
        )

    @staticmethod
    def _effective_filters(given: SearchFilters, parsed: ParsedQuery) -> SearchFilters:
        """Explicit request filters win; what the query text asked for fills the gaps."""
        return replace(
            given,
            organisms=given.organisms or tuple(parsed.organisms),
            series_types=given.series_types or tuple(parsed.series_types),
            min_samples=given.min_samples if given.min_samples is not None else parsed.min_samples,
            max_samples=given.max_samples if given.max_samples is not None else parsed.max_samples,
        )

    def _pinned(self, parsed: ParsedQuery, snap: _Snapshot) -> list[int]:
        """Documents named by GSE/GDS accession in the query (exact look-up, shown first)."""
        pinned: list[int] = []
        for accession in parsed.accessions:
            if accession.startswith("GSE"):
                doc = self.store.doc_id(accession)
                if doc is not None and doc < snap.size:
                    pinned.append(doc)
            elif accession.startswith("GDS"):
                pinned.extend(self.store.gds_docs(accession, snap.size))
        return list(dict.fromkeys(pinned))

    def _match_set(
        self,
        parsed: ParsedQuery,
        scored: TermScores,
        pinned: list[int],
        filters: SearchFilters,
        snap: _Snapshot,
        stem_cache: StemCache,
        budget: Budget,
    ) -> np.ndarray:
        has_text = bool(scored.stems) or scored.also is not None
        match = scored.matched.copy() if has_text else np.zeros(snap.size, dtype=bool)
        named = [a for a in parsed.accessions if not a.startswith("GPL")] + parsed.similar_to
        if not has_text and not pinned and not named:
            match[:] = True  # filters (or a platform) alone: browse everything that passes
        match[pinned] = True
        for phrase in parsed.phrases:
            budget.check("retrieve")
            match &= self._phrase_mask(phrase, match, snap, stem_cache, empty=True)
        for excluded in dict.fromkeys(parsed.excluded):  # an exclusion repeated excludes nothing more
            budget.check("retrieve")
            match &= ~self._phrase_mask(excluded, match, snap, stem_cache, empty=False)
        platforms = [a for a in parsed.accessions if a.startswith("GPL")]
        if platforms:
            match &= snap.columns.platform_mask(platforms)
        matching: np.ndarray = match & snap.live & snap.columns.filter_mask(filters)
        return matching

    def _accession_mask(self, accessions: Collection[str], snap: _Snapshot) -> np.ndarray:
        mask = np.zeros(snap.size, dtype=bool)
        ids = [self.store.doc_id(a) for a in accessions]
        mask[[d for d in ids if d is not None and d < snap.size]] = True
        return mask

    def _phrase_mask(
        self, phrase: str, within: np.ndarray, snap: _Snapshot, stem_cache: StemCache, empty: bool
    ) -> np.ndarray:
        """Documents (among ``within``) whose text holds ``phrase``; ``empty`` if it has no words."""
        stems = query_stems(phrase)
        if not stems:
            return np.full(snap.size, empty)
        own = score_terms(snap.index, stems, snap.size, cache=stem_cache)
        mask = within.copy()
        for stem in stems:
            mask &= own.present[stem]
        if len(stems) == 1:
            return mask
        return holding_phrase(phrase, mask, snap.index, self.store.records.__getitem__, own.scores)

    def _rank(
        self,
        request: SearchRequest,
        scored: TermScores,
        match: np.ndarray,
        snap: _Snapshot,
        terms: QueryTerms,
    ) -> list[int]:
        candidates = np.flatnonzero(match)
        scores = scored.scores
        if request.sort in ("sample_count", "newest"):
            column = snap.columns.sample_count if request.sort == "sample_count" else snap.columns.submitted
            order = np.lexsort((candidates, -scores[candidates], -column[candidates]))
            ranked: list[int] = candidates[order][:MAX_HITS].tolist()
            return ranked
        top = top_order(scores, candidates, MAX_HITS)
        pool = top[:RERANK_POOL]
        if len(pool) > 1 and len(terms.words) > 1:
            boosted = scores[pool] * proximity_bonus([self.store.records[d] for d in pool], terms)
            scores[pool] = boosted
            pool = pool[np.lexsort((pool, -boosted))]
        reranked: list[int] = pool.tolist() + top[RERANK_POOL:].tolist()
        return reranked

    def _hits(
        self, order: list[int], scores: np.ndarray, pinned: list[int], terms: QueryTerms, also: list[str]
    ) -> list[Hit]:
        values = np.round(scores[order].astype(np.float64), 4).tolist()
        top_score = max(values, default=0.0)
        words, phrases, records = list(terms.words), list(terms.phrases), self.store.records
        return [
            Hit(
                records[doc].accession,
                top_score + 1.0 if doc in pinned else value,
                terms=words,
                phrases=phrases,
                also=also,
            )
            for doc, value in zip(order, values, strict=True)
        ]

    def _explain(self, hit: Hit) -> None:
        record = self.store.get(hit.accession)
        if record is None:
            return
        terms = QueryTerms(tuple(hit.terms), tuple(hit.phrases))
        named = other_names_found(record, hit.also)
        shown = QueryTerms(terms.words + tuple(w for name in named for w in words_of(name)), terms.phrases)
        hit.highlights = highlights(record, shown)
        hit.reasons = (
            [f'does not mention "{label}"' for label in hit.missing]
            + reasons(record, terms)
            + sample_reasons(record, terms, hit.also)
            + [f'also known as "{name}"' for name in named]
        )
        if not hit.reasons and not hit.terms:
            hit.reasons = ["matches the filters"]
