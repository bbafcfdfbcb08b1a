"""Query by example describes its examples the same way in every process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SHARED_CONCEPTS = textwrap.dedent(
    """
    from types import SimpleNamespace
    from omics.search.series import Series
    from omics.search.similarity import _shared_concepts

    NAMES = ["breast cancer", "breast neoplasm", "mammary epithelium", "mammary gland epithelial cell",
             "tamoxifen", "estrogen receptor", "luminal A", "invasive ductal carcinoma"]

    class Vocabulary:
        def specific_concepts(self, text):
            return [SimpleNamespace(term_id=f"X:{n}", label=name, via_acronym=False)
                    for n, name in enumerate(NAMES) if name in text]

    examples = [Series(accession=f"GSE{n}", title=" and ".join(NAMES)) for n in range(2)]
    print([label for _id, label in _shared_concepts(examples, Vocabulary())])
    """
)


def test_shared_concepts_are_listed_in_the_same_order_in_every_process() -> None:
    """Every process (another web worker, a cached answer) shows a profile's concepts in one order,
    whatever order Python's per-process string hashing would iterate a set in."""
    listed = set()
    for seed in range(1, 7):
        environment = {**os.environ, "PYTHONHASHSEED": str(seed), "PYTHONPATH": str(REPO)}
        run = subprocess.run(
            [sys.executable, "-c", SHARED_CONCEPTS], cwd=REPO, env=environment, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        listed.add(run.stdout.strip())
    assert len(listed) == 1
