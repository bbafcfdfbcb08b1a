"""The engine's phrase and proximity bonus (omics.search.ranking.proximity_bonus) on a bounded pool.

The bm25s engine reads the text of its best candidates to see whether the query words occur
together. Here the index answers that: for the pool's document ids, phrase queries (exact,
allowing a stop word between words as the engine's test does, and near, within
``PROXIMITY_GAP`` words) on title and summary tell which candidates hold the words together,
and the title's stem count (a fast field) tells whether the query *is* the title. No stored
text is read; each test is one index query over at most ``RERANK_POOL`` documents.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tantivy
from tantivy import Occur, Query

from omics.search.ranking import PHRASE_BONUS, PROXIMITY_BONUS, PROXIMITY_GAP, TITLE_MATCH_BONUS
from omics.search.shared_index.queries import phrase_in


def _holding(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    among: list[int],
    field_name: str,
    stems: list[str],
    slop: int,
) -> set[int]:
    """The documents of ``among`` whose ``field_name`` holds the stems in order within ``slop``."""
    words = list(enumerate(stems))
    query = Query.boolean_query(
        [
            (Occur.Must, Query.term_set_query(schema, "doc", among)),
            (Occur.Must, phrase_in(schema, field_name, words, slop)),
            (Occur.Must, Query.term_query(schema, "kind", "series")),
        ]
    )
    hits = searcher.search(query, len(among), count=False).hits
    values = searcher.fast_field_values("doc", [address for _score, address in hits])
    return {int(v) for v in values if v is not None}


def proximity_bonus(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    pool: list[int],
    title_stems: Sequence[int],
    stems: list[str],
) -> np.ndarray:
    """Multiplicative bonus per pool document (as the engine's) for the query stems occurring together."""
    bonus = np.ones(len(pool), dtype=np.float32)
    if len(stems) < 2 or not pool:
        return bonus
    gaps = len(stems) - 1
    for field_name, weight in PHRASE_BONUS.items():
        near = _holding(searcher, schema, pool, field_name, stems, PROXIMITY_GAP * gaps)
        exact = _holding(searcher, schema, sorted(near), field_name, stems, gaps) if near else set()
        for i, doc in enumerate(pool):
            if doc in exact:
                bonus[i] += weight
                if field_name == "title" and len(stems) >= 3 and title_stems[i] == len(stems):
                    bonus[i] += TITLE_MATCH_BONUS  # the query *is* this title: a pasted known item
            elif doc in near:
                bonus[i] += PROXIMITY_BONUS
    return bonus
