"""A second process with its own cache system, driven line by line over stdin.

Commands: ``store QUERY``, ``lookup QUERY`` (prints the answering tier or ``miss``),
``ready`` (waits until its invalidation listener is subscribed). Each prints one line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from omics.cache import CacheSystem
from omics.config import CacheSettings
from omics.search.request import SearchRequest


def main(redis_url: str, data_dir: str, namespace: str, version: int) -> None:
    system = CacheSystem.build(redis_url, Path(data_dir), CacheSettings(), namespace=namespace)
    system.start()
    for line in sys.stdin:
        command, _, query = line.rstrip("\n").partition(" ")
        if command == "store":
            system.store(SearchRequest(query), version, {"query": query})
            print("stored", flush=True)
        elif command == "lookup":
            print(system.lookup(SearchRequest(query), version).tier or "miss", flush=True)
        elif command == "ready":
            print("ready" if system.invalidator.ready.wait(10) else "not-ready", flush=True)
    system.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
