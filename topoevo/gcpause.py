"""Pausing Python's cyclic garbage collector around blocks that allocate many objects without making cycles."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    """Suspend Python's cyclic garbage collector for a block that allocates many objects without making cycles
    (reproduction: thousands of gene objects a generation; the compiler's reads of them). Otherwise the collector
    runs dozens of times a generation and every so often walks every object of the process (torch's too):
    measured 26% of an XOR run's wall time, and in the compiler 1/3 of its time at population 10,000. Reference
    counting still frees everything; a collector the caller had disabled stays disabled.

    >>> with gc_paused():
    ...     pass
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
