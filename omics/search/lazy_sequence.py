"""A read-only sequence whose items are made only when read (records decoded, hits built).

The search keeps thousands of ranked hits and the corpus store up to millions of records, but
a request reads a page of them; making each item on first read keeps the rest free. Subclasses
say how many items there are and how to make one; indexing, negative positions and slices are
answered here once.
"""

from __future__ import annotations

import operator
from abc import abstractmethod
from collections.abc import Sequence
from typing import SupportsIndex, TypeVar, overload

Item = TypeVar("Item")


class LazySequence(Sequence[Item]):
    """``seq[i]``, ``seq[-1]`` and ``seq[a:b]`` (a list) over :meth:`_item`."""

    @abstractmethod
    def _item(self, index: int) -> Item:
        """The item at ``index``, which is within bounds."""

    @overload
    def __getitem__(self, index: SupportsIndex) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Item | list[Item]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        position = operator.index(index)
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(index)
        return self._item(position)
