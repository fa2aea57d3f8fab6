"""Child processes of a command (code server, daemon, webserver): started so that they go when the
command goes, even when it is killed with -9, and stopped in order, then for sure."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

import psutil


def _libc_prctl():  # noqa: ANN202 - a ctypes function, or None off Linux
    """prctl, looked up once here: a child between fork and exec must not load a library."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except OSError:
        return None


_PRCTL = _libc_prctl()
PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (PR_SET_PDEATHSIG); elsewhere a
    no-op. Checked after the call: a parent already gone before it would never send the signal."""
    if _PRCTL is None:
        return
    parent = os.getppid()
    _PRCTL(PR_SET_PDEATHSIG, sig)
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)


def start_child(command: Sequence[str], env: dict | None = None, cwd: str | None = None,
                on_parent_death: int = signal.SIGKILL, log=None) -> subprocess.Popen:  # noqa: ANN001 - a file
    """Start ``command`` in a process group of its own (a Ctrl-C in the terminal reaches the command,
    which stops its children in order) that receives ``on_parent_death`` when this process dies."""

    return subprocess.Popen(list(command), env=env, cwd=cwd, start_new_session=True,
                            preexec_fn=lambda: die_with_parent(on_parent_death), stdin=subprocess.DEVNULL,
                            stdout=log if log is not None else subprocess.DEVNULL,
                            stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL)


def stop(process: subprocess.Popen, timeout: float = 10.0, sig: int = signal.SIGINT) -> None:
    """Ask a child to stop (SIGINT: Dagster's processes shut down cleanly on it), then kill its whole
    process group once ``timeout`` has passed (or at once if it already exited: nothing may outlive it)."""
    if process.poll() is None:
        try:
            os.kill(process.pid, sig)
            process.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    kill_group(process.pid)
    process.wait()


def kill_group(pgid: int) -> None:
    """SIGKILL every process left in the process group ``pgid``."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def descendants(pid: int) -> list[psutil.Process]:
    """Every process started, directly or not, by ``pid`` that is still running."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (bound then released: free for a moment)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float, alive: subprocess.Popen | None = None) -> bool:
    """True once ``host:port`` accepts connections; False after ``timeout`` or when ``alive`` exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and alive.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def executable(name: str) -> str:
    """A command installed beside this Python (the project's environment), else found on PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else (shutil.which(name) or name)
