"""The search core's index layer at full GEO scale: one memory-mapped tantivy index per data directory.

Series and their samples are documents of one index (:mod:`.schema`, :mod:`.documents`),
opened by every process from the same files (:mod:`.store`), written in hidden generations
that an ingestion publishes or drops (:mod:`.manifest`). A search is the engine's parsed query
as index queries (:mod:`.queries`), one retrieval with the match count and one aggregation
for facets (:mod:`.retrieval`, :mod:`.facets`), and the engine's proximity rule on a bounded
pool (:mod:`.rerank`). Names with a one-character word are told apart by the words around
one-character words (:mod:`.exact`). The engine on top is omics.search.shared_engine.
"""

from omics.search.shared_index.queries import SharedQuery
from omics.search.shared_index.retrieval import Retrieved, retrieve
from omics.search.shared_index.store import SharedIndex

__all__ = ["Retrieved", "SharedIndex", "SharedQuery", "retrieve"]
