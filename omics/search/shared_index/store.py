"""One memory-mapped tantivy index per data directory, shared by every process through the page cache.

Opening maps the index's segment files (a fraction of a second at any size: nothing is read
until a search touches it), so the web process and every worker child share one copy of the
pages. Writers (the first build, an ingestion's index step, a publish, a compensation) take
the data directory's writer lock; tantivy merges segments in the writer's own threads while
searches keep reading the segments they opened, so a merge never blocks a search. A process
sees another's commits after :meth:`SharedIndex.reload`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import tantivy

from omics.search.mapped_records import RecordList
from omics.search.series import Series
from omics.search.shared_index.documents import documents
from omics.search.shared_index.exact import WORDS_TOKENIZER, words_tokenizer
from omics.search.shared_index.manifest import Manifest, manifest_text, writing
from omics.search.shared_index.schema import ANALYSER, KIND_SERIES, analyser, schema

WRITER_HEAP = 256_000_000  # bytes a writer buffers before it flushes a segment
DOC_FREQS_KEPT = 100_000  # term statistics remembered per snapshot (then forgotten, all at once)
MAX_SEQUENTIAL_ID = 2**63  # range bound for "every document id from here on"


class SharedIndex:
    """The index files under ``root``, their manifest, and a searcher over the visible documents."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = tantivy.Index(schema(), path=str(root / "tantivy"), reuse=True)
        self.index.register_tokenizer(ANALYSER, analyser())
        self.index.register_tokenizer(WORDS_TOKENIZER, words_tokenizer())
        # Searches see new commits only at reload(), which reads the manifest after them: a
        # staged generation is never visible without the manifest that hides it.
        self.index.config_reader(reload_policy="manual")
        self.manifest = Manifest.read(root) or Manifest()
        self._doc_freqs: dict[tuple[str, str], int] = {}

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path, fingerprint: str, records: Callable[[], RecordList]) -> SharedIndex:
        """The index of the corpus state ``fingerprint``; built once (under the lock) if absent or stale."""
        root.mkdir(parents=True, exist_ok=True)
        found = Manifest.read(root)
        if found is None or found.fingerprint != fingerprint:
            with writing(root):
                found = Manifest.read(root)
                if found is None or found.fingerprint != fingerprint:
                    cls._build(root, fingerprint, records())
        return cls(root)

    @classmethod
    def _build(cls, root: Path, fingerprint: str, records: RecordList) -> None:
        shutil.rmtree(root / "tantivy", ignore_errors=True)
        (root / "tantivy").mkdir(parents=True)
        built = cls(root)
        built.write(enumerate(records), generation=0)
        Manifest(fingerprint=fingerprint).write(root)

    def reload(self) -> None:
        """See what other processes committed and published since."""
        self._reopen()
        self.manifest = Manifest.read(self.root) or Manifest()

    def _reopen(self) -> None:
        self.index.reload()
        self._doc_freqs.clear()

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()

    def doc_freq(self, field_name: str, stem: str) -> int:
        """Documents holding ``stem`` in ``field_name``, remembered until the next reload (the
        statistics of a snapshot never change, and each look-up in the term dictionary costs
        microseconds: a query's concepts ask for a hundred)."""
        key = (field_name, stem)
        found = self._doc_freqs.get(key)
        if found is None:
            if len(self._doc_freqs) >= DOC_FREQS_KEPT:
                self._doc_freqs.clear()
            found = self._doc_freqs[key] = self.searcher().doc_freq(field_name, stem)
        return found

    @property
    def hidden(self) -> list[int]:
        """Generations staged but not published: excluded from every search."""
        return list(self.manifest.pending)

    # -- writing -----------------------------------------------------------------------
    def write(self, numbered: Iterable[tuple[int, Series]], generation: int) -> int:
        """Index ``(document id, record)`` pairs under ``generation``, committed; returns how many.

        The caller holds the writer lock. Waiting for the merges here keeps them in the writing
        process (an ingestion worker), never in a search.
        """
        writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        count = 0
        for document in documents(numbered, generation):
            count += document.get_first("kind") == KIND_SERIES
            writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()
        self._reopen()
        return count

    def stage(self, records: Iterable[Series], first_doc: int) -> tuple[int, int]:
        """Write records as a new, hidden generation; returns ``(generation, count)``."""
        with writing(self.root):
            manifest = Manifest.read(self.root) or Manifest()
            generation = manifest.next_generation
            manifest.next_generation += 1
            manifest.pending.append(generation)
            manifest.write(self.root)  # hidden before a single document of it is committed
            count = self.write(enumerate(records, first_doc), generation)
        self.reload()
        return generation, count

    def publish(self, generation: int, superseded: list[int], fingerprint: str) -> None:
        """Make a staged generation visible, deleting the documents its records replace."""
        with writing(self.root):
            manifest = Manifest.read(self.root) or Manifest()
            if superseded:
                self._delete(
                    lambda writer: writer.delete_documents_by_query(self._term_set("doc", superseded))
                )
            manifest.pending = [g for g in manifest.pending if g != generation]
            manifest.published[str(generation)] = superseded
            manifest.fingerprint = fingerprint
            manifest.write(self.root)
        self.reload()

    def drop(self, generation: int) -> None:
        """Delete a generation's documents and forget it (a staged ingestion compensated)."""
        with writing(self.root):
            self._delete(
                lambda writer: writer.delete_documents_by_query(self._term_set("generation", [generation]))
            )
            manifest = Manifest.read(self.root) or Manifest()
            manifest.pending = [g for g in manifest.pending if g != generation]
            manifest.write(self.root)
        self.reload()

    def restore(self, text: str | None, first_dropped: int, records: RecordList) -> None:
        """Put back the publication ``text`` (a manifest as stored) over a store restored to ``records``.

        Documents from ``first_dropped`` on (records the store no longer holds) are deleted and
        the documents later publications superseded are indexed again. The generation counter
        never goes back, so a generation number is never reused.
        """
        with writing(self.root):
            current = Manifest.read(self.root) or Manifest()
            point = (Manifest.parse(text) if text else None) or Manifest()
            later = [g for g in current.published if g not in point.published]
            revived = sorted({d for g in later for d in current.published[g] if d < first_dropped})
            self._delete(
                lambda writer: writer.delete_documents_by_query(
                    tantivy.Query.range_query(
                        self.index.schema, "doc", tantivy.FieldType.Unsigned, first_dropped, MAX_SEQUENTIAL_ID
                    )
                )
            )
            self.write(((doc, records[doc]) for doc in revived), generation=0)
            point.pending = current.pending  # other ingestions' staged generations stay hidden
            point.next_generation = max(point.next_generation, current.next_generation)
            point.write(self.root)
        self.reload()

    def _term_set(self, field_name: str, values: list[int]) -> tantivy.Query:
        """Documents with one of ``values`` in an unsigned field (deleting by a bare term would
        take a Python int for a signed one and match nothing)."""
        return tantivy.Query.term_set_query(self.index.schema, field_name, values)

    def _delete(self, delete: Callable[[tantivy.IndexWriter], object]) -> None:
        writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        delete(writer)
        writer.commit()
        writer.wait_merging_threads()
        self._reopen()

    def text(self) -> str | None:
        """The manifest as stored (what a publication point keeps)."""
        return manifest_text(self.root)
