"""Card files written by one background thread while the next card is drawn.

Writing a card's file is four system calls (create, write, close, rename) and its SHA-256;
all of them release the GIL, so a second thread can do them while the main thread draws the
next card. Each file is handed over with a `Pending` that completes once the file is under
its final name (or its write failed); callers wait for it before they report the card.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from _thread import allocate_lock
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty, SimpleQueue

from mailer.files import write_bytes_atomic

SWITCH_INTERVAL = 0.0005
"""Seconds between the interpreter's forced GIL hand-overs while a batch is drawn. The
default (5 ms) is longer than a card takes to draw, so a writer back from a system call
would wait out most of the card for the GIL; 0.5 ms lets it go on within a fraction."""


class Pending:
    """A file being written: `result()` waits for it and gives its SHA-256, or raises what
    the write raised (a `WriteError` for a full or read-only disk)."""

    __slots__ = ("_done", "_error", "_sha256", "data", "path")

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.data = data
        self._sha256 = ""
        self._error: BaseException | None = None
        self._done = allocate_lock()
        self._done.acquire()

    def run(self) -> None:
        try:
            write_bytes_atomic(self.path, self.data)
            self._sha256 = hashlib.sha256(self.data).hexdigest()
        except BaseException as exc:  # handed to the waiting thread, which raises it
            self._error = exc
        finally:
            self.data = b""
            self._done.release()

    @property
    def failed(self) -> bool:
        return self._error is not None

    def drop(self) -> None:
        self._error = RuntimeError(f"{self.path.name} was not written: the batch stopped")
        self.data = b""
        self._done.release()

    def result(self) -> str:
        self._done.acquire()
        self._done.release()  # a second wait (the clean-up after an error) returns at once
        if self._error is not None:
            raise self._error
        return self._sha256


class FileWriter:
    """One thread writing files in the order they are handed over."""

    def __init__(self) -> None:
        self._jobs: SimpleQueue[Pending | None] = SimpleQueue()
        self.dropping = False  # set when the batch stops early: files not begun are skipped
        # Not a daemon: at exit the interpreter lets a write in hand finish, so a Ctrl-C
        # never leaves a temporary file behind it.
        self._thread = threading.Thread(target=self._run, name="card-files")
        self._thread.start()

    def write(self, path: Path, data: bytes) -> Pending:
        job = Pending(path, data)
        self._jobs.put(job)
        return job

    def close(self) -> None:
        """Waits for the files handed over so far, then ends the thread."""
        self._jobs.put(None)
        self._thread.join()

    def _run(self) -> None:
        main = threading.main_thread()
        while True:
            try:
                job = self._jobs.get(timeout=1.0)
            except Empty:
                # A writer never closed (its owner dropped without clean-up) must not keep
                # the process alive once the main thread has ended.
                if main.is_alive():
                    continue
                return
            if job is None:
                return
            if self.dropping:
                job.drop()
            else:
                job.run()
                # A full or read-only disk fails every file after too: the batch stops at
                # the first, and none after it is begun.
                self.dropping = job.failed


@contextmanager
def file_writer() -> Iterator[FileWriter]:
    """A `FileWriter` for a batch, with the shorter switch interval while it runs (the
    caller's is restored after). On the way out, even interrupted, the files handed over
    are finished, never left half written."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_INTERVAL))
    writer = FileWriter()
    try:
        yield writer
    except BaseException:
        # Stopped by an error, Ctrl-C or the caller: the file in hand is finished, the rest
        # never begun (no card is reported for them, so they are drawn next time).
        writer.dropping = True
        raise
    finally:
        writer.close()
        sys.setswitchinterval(before)
