"""Reused memory for the cells' large arrays (private).

A cell's ``forward`` and ``backward`` write their traces and gradients into
large new arrays (at (T, B, D, H) = (50, 128, 256, 512) the LSTM needs about
200 MB per call). Memory that the process has just received from the
operating system is mapped and zeroed page by page on first write, which cost
about a tenth of the LSTM's forward + backward time at that shape (measured
with ``benchmarks/bench_cells.py``). In a training loop the arrays of one call
are dropped before the next call asks for arrays of the same sizes, so this
module keeps those blocks and hands them out again.

``empty(shape, dtype)`` is ``numpy.empty`` for small arrays. For arrays of at
least ``MIN_BYTES`` it returns a view into a kept block that no live array
uses any more, or into a new block. A block is "in use" while any array made
from it (the returned array or any view, slice or reshape of it) is alive: the
returned array is a view of one numpy array per lease, and the pool holds
only a weak reference to that array, so a block is never handed out while
anything can still read or write it. Arrays from ``empty`` are uninitialised,
exactly like ``numpy.empty``.

At most ``MAX_BYTES`` are kept; beyond that the oldest free blocks are
released, and a request that still does not fit gets a plain ``numpy.empty``.
``clear()`` releases every free block.
"""

import threading
import weakref

import numpy as np

MIN_BYTES = 1 << 20  # smaller arrays come from numpy.empty (malloc reuses them cheaply)
MAX_BYTES = 1 << 30  # the most memory the pool keeps (blocks in use included)


class _Block:
    __slots__ = ("memory", "lease")

    def __init__(self, nbytes):
        self.memory = np.empty(nbytes, np.uint8)
        self.lease = None  # weak reference to the array handed out, None before the first lease

    def free(self):
        return self.lease is None or self.lease() is None


class BufferPool:
    """Blocks of memory reused for large uninitialised arrays (see the module docstring)."""

    def __init__(self, min_bytes=MIN_BYTES, max_bytes=MAX_BYTES):
        self.min_bytes, self.max_bytes = min_bytes, max_bytes
        self._blocks = []  # oldest lease first
        self._lock = threading.Lock()

    def held_bytes(self):
        """Bytes of all kept blocks, in use or free."""
        return sum(b.memory.nbytes for b in self._blocks)

    def empty(self, shape, dtype=np.float64):
        """An uninitialised array like ``numpy.empty(shape, dtype)``, C-contiguous."""
        dtype = np.dtype(dtype)
        shape = tuple(int(n) for n in np.atleast_1d(shape)) if not isinstance(shape, tuple) else shape
        count = int(np.prod(shape, dtype=np.int64))
        nbytes = count * dtype.itemsize
        if nbytes < self.min_bytes:
            return np.empty(shape, dtype)
        with self._lock:
            block = self._take(nbytes)
            if block is None:
                return np.empty(shape, dtype)
            # Through a memoryview, so that ``flat`` is the base of every array made from it (numpy
            # collapses a view's base only through arrays: a base of ``block.memory`` itself would
            # let views outlive ``flat`` and the block be handed out while still in use).
            flat = np.frombuffer(memoryview(block.memory), dtype, count)
            block.lease = weakref.ref(flat)
            self._blocks.remove(block)
            self._blocks.append(block)  # most recently leased last
        arr = flat.reshape(shape)
        if arr.base is not flat:  # cannot happen with numpy's view rules; never risk sharing memory
            raise RuntimeError("buffer pool: a view does not keep its lease alive")
        return arr  # every array made from it keeps ``flat`` alive

    def _take(self, nbytes):
        """The smallest free block of nbytes to 2 * nbytes, or a new block; None if over budget."""
        fits = [b for b in self._blocks if nbytes <= b.memory.nbytes <= 2 * nbytes and b.free()]
        if fits:
            return min(fits, key=lambda b: b.memory.nbytes)
        held = self.held_bytes()
        for old in [b for b in self._blocks if b.free()]:  # oldest first
            if held + nbytes <= self.max_bytes:
                break
            self._blocks.remove(old)
            held -= old.memory.nbytes
        if held + nbytes > self.max_bytes:
            return None
        block = _Block(nbytes)
        self._blocks.append(block)
        return block

    def clear(self):
        """Release every free block (blocks still in use stay until their arrays are gone)."""
        with self._lock:
            self._blocks = [b for b in self._blocks if not b.free()]


POOL = BufferPool()
empty = POOL.empty
clear = POOL.clear
