"""Runs CPU-heavy pure functions (clustering) in a worker process.

Under gevent the event loop and every greenlet share one OS thread; clustering in a thread
of the same process would still compete with the loop for the GIL. A separate process has
its own GIL and, on a 2-core machine, its own core. Jobs go over the worker's stdin/stdout
as length-prefixed pickles; gevent's subprocess pipes are cooperative, so waiting for a
result never blocks the loop. One job at a time (the worker is single-threaded); if the
worker dies, the next job starts a new one.

Only functions importable by name (module-level) can be sent; they and their arguments come
from this application, never from the network.
"""

from __future__ import annotations

import importlib
import os
import pickle
import struct
import sys
from collections.abc import Callable
from typing import Any

from flask import current_app

HEADER = struct.Struct(">Q")


class WorkerError(RuntimeError):
    pass


def _read_exact(stream, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("worker closed its pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(stream, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream) -> Any:
    (size,) = HEADER.unpack(_read_exact(stream, HEADER.size))
    return pickle.loads(_read_exact(stream, size))


class Offloader:
    """The client side, used from greenlets of the gevent server."""

    def __init__(self) -> None:
        import gevent.lock

        self._lock = gevent.lock.BoundedSemaphore()
        self._process = None

    def _worker(self):
        from gevent import subprocess

        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "gallery.clustering.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        return self._process

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            worker = self._worker()
            try:
                _send(worker.stdin, (fn.__module__, fn.__qualname__, args, kwargs))
                ok, value = _receive(worker.stdout)
            except (EOFError, OSError, pickle.PickleError) as err:
                worker.kill()
                self._process = None
                raise WorkerError(f"clustering worker failed: {err}") from err
        if not ok:
            raise WorkerError(value)
        return value


_offloader: Offloader | None = None


def off_loop(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a CPU-heavy job in the worker process when serving (gevent), so the event loop
    keeps its core and the GIL; inline otherwise."""
    global _offloader
    if current_app.config["ASYNC_MODE"] != "gevent":
        return fn(*args, **kwargs)
    if _offloader is None:
        _offloader = Offloader()
    return _offloader.call(fn, *args, **kwargs)


def serve(stdin=None, stdout=None) -> None:
    """The worker's loop: a job in, its result out, until stdin closes."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the result stream
    while True:
        try:
            module, name, args, kwargs = _receive(stdin)
        except EOFError:
            return
        try:
            fn = getattr(importlib.import_module(module), name)
            _send(stdout, (True, fn(*args, **kwargs)))
        except Exception as err:  # report, keep serving
            _send(stdout, (False, f"{type(err).__name__}: {err}"))


if __name__ == "__main__":
    # gunicorn's SIGTERM (or Ctrl+C) reaches the whole process group, and the server still
    # finishes open requests that may need a job: leave when the server closes our stdin.
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Clustering is background work: on a busy laptop the event loop serving the phones
    # must get the CPU first.
    os.nice(10)
    serve()
