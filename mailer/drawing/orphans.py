"""Worker processes that end with the process that started them.

A drawing worker waits for work on a pipe its siblings also hold open, so when the parent is
killed outright (`kill -9`, the machine's out-of-memory killer) nothing would ever tell it to
stop: it would wait for ever. So each worker watches its parent: on Linux the kernel sends it
SIGTERM the moment the parent dies (`prctl(PR_SET_PDEATHSIG)`), and everywhere a small thread
checks every half second whether the parent is still there. A worker told to stop while it
draws finishes the card in hand (so no file is left half-written: raising in the middle of
writing one could leave its temporary file behind) and ends before the next.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

_PR_SET_PDEATHSIG = 1
_WATCH_S = 0.5

_parent = 0
_busy = False
_stopping = False


_TERMINAL_STOPS = ("SIGINT", "SIGQUIT", "SIGHUP")
"""Ctrl-C, Ctrl-\\ and a hang-up (the terminal closed): they reach the terminal's whole group,
and are the parent's to act on (it stops handing out work, and cleans up): a worker killed by
one would print a traceback or leave its temporary files."""


def end_with_parent() -> None:
    """Call once when a worker starts: from now on it ends when its parent does, and leaves
    the terminal's stops to the parent."""
    global _parent
    _parent = os.getppid()
    for name in _TERMINAL_STOPS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    # Also replaces the handler a forked worker inherits, which stops as Ctrl-C does.
    signal.signal(signal.SIGTERM, _stop)
    if sys.platform == "linux":
        import ctypes  # here: only a worker needs it, and `mailer render` starts faster

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    threading.Thread(target=_watch, name="watch-parent", daemon=True).start()


@contextlib.contextmanager
def drawing() -> Iterator[None]:
    """Around a worker's work: told to stop meanwhile, it ends when the block does (or at
    `stop_if_told`), not in the middle of a card."""
    global _busy
    _busy = True
    try:
        yield
    finally:
        _busy = False
        stop_if_told()


def stop_if_told() -> None:
    """End the worker now if it was told to stop (call between two cards)."""
    if _stopping:
        os._exit(1)


def _watch() -> None:
    # Also catches a parent that died before the kernel was asked to tell us.
    while os.getppid() == _parent:
        time.sleep(_WATCH_S)
    os.kill(os.getpid(), signal.SIGTERM)


def _stop(_signum: int, _frame: FrameType | None) -> None:
    global _stopping
    _stopping = True
    if not _busy:
        os._exit(1)  # waiting for work: nothing to finish
