"""The cyclic garbage collector held off while a call log is read (and, by the planner,
while it is planned).

Reading makes a few objects a row (cells, a record, a person a contact) and none of them
in a cycle, yet the collector, counting those allocations, walks the young objects every
700 of them and the whole growing heap again each time the objects kept grow by a quarter:
about a quarter of the time a large log took to read went to finding no garbage. Held off,
the objects a read made are walked once, on the first collection after it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the block, and on again after it (also when the block raises)
    if it was on before: a caller that turned it off keeps it off."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            if not gc.get_freeze_count():
                # What was made meanwhile and lives on (the records, a plan's steps) joins
                # the oldest generation as it is: else the collector's first run after it
                # is back walks every one of them (on 100,000 rows, a quarter of a second).
                gc.freeze()
                gc.unfreeze()
            gc.enable()
