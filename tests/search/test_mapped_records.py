"""The corpus store with its records read on demand (the shared-index engine's store).

It must hold exactly what the in-memory store holds, follow additions and rollbacks, and never
pull a file out from under another process that still reads it.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from omics.search.corpus_store import CorpusStore
from omics.search.mapped_records import MappedRecords
from omics.search.series import Sample, Series


def record(number: int, title: str = "") -> Series:
    return Series(
        accession=f"GSE9{number:05d}",
        title=title or f"Axolotl limb regeneration, study {number} \u2028 caf\u00e9",
        summary="Blastema time course.",
        organisms=("Ambystoma mexicanum",),
        gds=(f"GDS{number}",),
        samples=(Sample(f"GSM9{number:05d}", "blastema day 3", ("tissue: limb",)),),
    )


def write_corpus(path: Path, records: list[Series], blank_lines: bool = True) -> Path:
    lines = [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]
    if blank_lines:
        lines.insert(1, "   ")
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["corpus.jsonl", "corpus.jsonl.gz"])
def test_a_mapped_store_holds_what_the_in_memory_store_holds(tmp_path: Path, name: str) -> None:
    corpus = write_corpus(tmp_path / name, [record(n) for n in range(5)])
    CorpusStore(corpus, tmp_path / "data").add([record(7), record(2, "Replaced study two")])

    held, mapped = CorpusStore(corpus, tmp_path / "data"), CorpusStore(corpus, tmp_path / "data", mapped=True)

    assert isinstance(mapped.records, MappedRecords)
    assert list(mapped.records) == list(held.records)
    assert [mapped.records[d] for d in range(len(held))] == held.records
    assert mapped.records[-1] == held.records[-1] and mapped.records[2:4] == held.records[2:4]
    assert mapped.get("GSE900002") == held.get("GSE900002")
    assert mapped.get("GSE900002").title == "Replaced study two"
    assert [mapped.accession(d) for d in range(len(mapped))] == [r.accession for r in held.records]
    assert mapped.gds_docs("GDS2", len(mapped)) == held.gds_docs("GDS2", len(held)) == [6]
    assert mapped.fingerprint == held.fingerprint
    with pytest.raises(IndexError):
        mapped.records[len(held)]


def test_records_added_later_are_read_from_the_additions_file(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus.jsonl", [record(n) for n in range(3)])
    store = CorpusStore(corpus, tmp_path / "data", mapped=True)

    assert store.add([record(10), record(11)]) == [3, 4]
    store.add([record(12)])

    assert store.get("GSE900011") == record(11)
    assert len(store.records) == 6
    again = CorpusStore(corpus, tmp_path / "data", mapped=True)
    assert list(again.records) == [*(record(n) for n in range(3)), record(10), record(11), record(12)]


def test_a_rolled_back_addition_is_gone_after_reload(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus.jsonl", [record(n) for n in range(3)])
    store = CorpusStore(corpus, tmp_path / "data", mapped=True)
    store.add([record(10)])
    before = store.state_text()
    store.add([record(11), record(12)])

    store.restore_state(before)
    restored = CorpusStore(corpus, tmp_path / "data", mapped=True)
    restored.add([record(13)])

    assert [r.accession for r in CorpusStore(corpus, tmp_path / "data", mapped=True).records][3:] == [
        "GSE900010",
        "GSE900013",
    ]
    assert restored.get("GSE900011") is None


READER = """
import sys
import threading
from pathlib import Path
from omics.search.corpus_store import CorpusStore
from omics.search.series import Series
corpus, data = Path(sys.argv[1]), Path(sys.argv[2])
store = CorpusStore(corpus, data, mapped=True)
before = store.state_text()
store.add([Series(accession="GSE1%05d" % n, title="added " + "x" * 5000) for n in range(50)])
reader = CorpusStore(corpus, data, mapped=True)           # maps the additions file
store.restore_state(before)
CorpusStore(corpus, data, mapped=True)                    # another process drops the rolled-back lines
print(reader.records[len(reader) - 1].accession)          # a search still in flight on the old version
"""


def test_dropping_rolled_back_lines_never_cuts_a_file_another_reader_has_mapped(tmp_path: Path) -> None:
    """Cut short in place, a file mapped elsewhere kills its reader (SIGBUS) on the next read."""
    corpus = write_corpus(tmp_path / "corpus.jsonl", [record(n) for n in range(3)])
    data = tmp_path / "data"
    CorpusStore(corpus, data).add([record(10)])

    command = [sys.executable, "-c", READER, str(corpus), str(data)]
    done = subprocess.run(command, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "GSE100049"


@pytest.mark.parametrize("mapped", [False, True])
def test_a_store_opened_during_another_writers_add_keeps_its_records(tmp_path: Path, mapped: bool) -> None:
    """A web process reloading while a worker publishes must not drop the worker's appended,
    not yet committed lines (loading trims uncommitted lines: those of a crashed add)."""
    corpus = write_corpus(tmp_path / "corpus.jsonl", [record(n) for n in range(3)])
    data = tmp_path / "data"
    writer = CorpusStore(corpus, data, mapped=mapped)
    opened: list[CorpusStore] = []
    readers: list[threading.Thread] = []

    def open_another() -> None:
        opened.append(CorpusStore(corpus, data, mapped=mapped))

    def open_another_meanwhile(_fingerprint: str) -> None:
        readers.append(threading.Thread(target=open_another))
        readers[0].start()
        readers[0].join(timeout=0.5)  # it waits for the commit (or, unguarded, trims the new lines now)

    writer.add([record(10), record(11)], open_another_meanwhile)
    readers[0].join()
    writer.add([record(12)])

    again = CorpusStore(corpus, data, mapped=mapped)
    assert [r.accession for r in again.records[3:]] == ["GSE900010", "GSE900011", "GSE900012"]
    assert len(opened) == 1 and len(opened[0]) == 5  # it opened once the first add committed
