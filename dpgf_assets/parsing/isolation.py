"""Reading untrusted workbooks in a child process with a memory limit, so no file takes the caller down.

The container checks refuse what they can see coming, but the reader is native code: a request it
cannot satisfy aborts the whole process (SIGABRT), which Python cannot catch. So parsing and peeking
run in a long-lived worker process whose address space is capped (``RLIMIT_AS``) and whose every
answer has a deadline. A worker that dies or overruns is replaced, the file is tried once more on the
fresh worker (a previous file's leftovers are then ruled out), and a second failure is the file's:
a ``ParseError`` naming the limit. One worker serves many files: a process per file would cost more
than the parse itself (the import reaches ~100 files/s).
"""

from __future__ import annotations

import atexit
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Final

from dpgf_assets.parsing.model import ParsedDocument, ParseError
from dpgf_assets.parsing.peek import WorkbookPeek

MAX_READER_MB: Final = 1024  # address space of a worker: no workbook may make a reader use more
MAX_SECONDS: Final = 120.0  # one file's reading at most
MAX_WORKERS: Final = 2  # peeks of the inventory's threads run in parallel on so many workers at most
_HEADER: Final = struct.Struct("<Q")
_WAIT_SLICE: Final = 0.2
_WORKER_CODE: Final = "from dpgf_assets.parsing.isolation import serve; serve()"


class _WorkerDied(Exception):
    """The worker ended or overran before answering: ``reason`` says which limit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _send(stream: Any, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exactly(stream: Any, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive(stream: Any) -> object | None:
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    body = _read_exactly(stream, _HEADER.unpack(header)[0])
    return None if body is None else pickle.loads(body)


def _handle(request: tuple) -> tuple:
    """One request in the worker: ("parse", path, source_path), ("peek_file", path, name) or
    ("peek_bytes", data, name)."""
    from dpgf_assets.parsing.peek import peek_bytes, peek_file
    from dpgf_assets.parsing.workbook import parse_workbook

    kind, subject, name = request
    try:
        if kind == "parse":
            return ("ok", parse_workbook(subject, source_path=name))
        if kind == "peek_file":
            return ("ok", peek_file(Path(subject), name))
        return ("ok", peek_bytes(subject, name))
    except ParseError as exc:
        return ("refused", exc.file, exc.reason)
    except MemoryError:
        return ("refused", name, f"refused: reading it needs more than {MAX_READER_MB} MB of memory")
    except Exception as exc:  # noqa: BLE001 - a peek's unexpected failure is about the file too
        return ("refused", name, f"unreadable workbook ({type(exc).__name__}: {exc})")


def serve() -> None:
    """The worker's loop: requests on stdin, answers on stdout, until stdin closes (the parent left)."""
    limit = MAX_READER_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not corrupt the answers
    while (request := _receive(requests)) is not None:
        _send(answers, _handle(request))  # type: ignore[arg-type]


class _Worker:
    """One child process and its pipes."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).parents[2]),
                                                                        os.environ.get("PYTHONPATH")) if p),
               "RUST_BACKTRACE": "0"}
        self.process = subprocess.Popen([sys.executable, "-c", _WORKER_CODE], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env, close_fds=True)

    def ask(self, request: tuple, seconds: float) -> tuple:
        try:
            _send(self.process.stdin, request)
        except (BrokenPipeError, OSError):
            raise _WorkerDied(self._death()) from None
        stdout = self.process.stdout
        assert stdout is not None
        deadline = time.monotonic() + seconds
        # short waits: an interruption of the caller (a run terminated) is seen between two of them
        while not select.select([stdout], [], [], _WAIT_SLICE)[0]:
            if time.monotonic() > deadline:
                self.stop()
                raise _WorkerDied(f"refused: reading it took more than {seconds:.0f} s")
        answer = _receive(stdout)
        if answer is None:
            raise _WorkerDied(self._death())
        return answer  # type: ignore[return-value]

    def _death(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.stop()
            code = self.process.returncode
        how = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"exit status {code}"
        return f"refused: the reader died reading it ({how}), beyond its {MAX_READER_MB} MB memory limit"

    def stop(self) -> None:
        """Close its requests (a worker ends on that), kill it if it does not."""
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ReaderPool:
    """Workers shared by the threads of a process, started when first needed, replaced when they die."""

    def __init__(self, size: int = MAX_WORKERS) -> None:
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()

    def _run(self, request: tuple, name: str) -> Any:
        with self._slots:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            for attempt in (1, 2):
                if worker is None:
                    worker = _Worker()
                    with self._lock:
                        self._all.append(worker)
                try:
                    answer = worker.ask(request, MAX_SECONDS)
                    break
                except _WorkerDied as died:
                    self._forget(worker)
                    worker = None
                    if attempt == 2 or "took more than" in died.reason:
                        raise ParseError(name, died.reason) from None
                except BaseException:  # interrupted while it reads: its answer would answer the next request
                    self._forget(worker)
                    raise
            with self._lock:
                self._idle.append(worker)
        if answer[0] == "refused":
            raise ParseError(answer[1], answer[2])
        return answer[1]

    def _forget(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def parse(self, path: str | os.PathLike[str], source_path: str | None = None) -> ParsedDocument:
        """``parse_workbook`` in a worker."""
        local = os.fspath(path)
        name = source_path or os.path.basename(local)
        return self._run(("parse", os.path.abspath(local), name), name)

    def peek_file(self, path: Path, name: str | None = None) -> WorkbookPeek:
        """``peek_file`` in a worker."""
        name = name or Path(path).name
        return self._run(("peek_file", os.path.abspath(path), name), name)

    def peek_bytes(self, data: bytes, name: str) -> WorkbookPeek:
        """``peek_bytes`` in a worker."""
        return self._run(("peek_bytes", data, name), name)

    def close(self) -> None:
        with self._lock:
            workers, self._all, self._idle = list(self._all), [], []
        for worker in workers:
            worker.stop()


_POOL = ReaderPool()
atexit.register(_POOL.close)


def readers() -> ReaderPool:
    """The process's pool of reading workers."""
    return _POOL


def parse_isolated(path: str | os.PathLike[str], *, source_path: str | None = None) -> ParsedDocument:
    """``parse_workbook`` where no workbook can take this process down."""
    return _POOL.parse(path, source_path)
