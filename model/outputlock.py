"""One run at a time per report: an OS lock on a file beside the output.

Two runs writing the same report would each write it atomically, so neither
would leave a corrupt workbook, but the map, the solver log and the report
of one could end up beside those of the other. The second run therefore
stops at once with exit 2. The lock is the operating system's (``flock``;
``msvcrt.locking`` on Windows), so it ends with the process however that
ends; the lock file, ``<report>.lock``, is removed when the run ends and is
harmless if a killed run leaves it.
"""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .files import OutputError

if os.name == "nt":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


class OutputInUse(Exception):
    """Another run holds the report's lock; the message names it."""


def lock_path(report: Path) -> Path:
    return report.with_name(report.name + ".lock")


@contextmanager
def hold_output(report: Path) -> Iterator[Path]:
    """Hold the report's lock for the block; OutputInUse when another run has it."""
    path = lock_path(Path(report).resolve())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {path.parent}: {exc.strerror}") from exc
    fd = _acquire(path, report)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)  # before the lock goes, so no one locks a removed file
        os.close(fd)


def _acquire(path: Path, report: Path) -> int:
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"cannot write {report}: the folder {path.parent} is not writable"
                              f" ({exc.strerror}); choose another --output") from exc
        if not _try_lock(fd):
            holder = _holder(fd)
            os.close(fd)
            raise OutputInUse(f"{report} is in use by another run{holder}; wait for it to"
                              " finish, or choose another --output")
        try:  # the previous holder may have removed the file between our open and lock
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()} {dt.datetime.now().isoformat(timespec='seconds')}\n".encode())
    return fd


def _holder(fd: int) -> str:
    """' (process 1234, started 2026-12-01T14:52:10)' from the lock file, if readable."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        pid, started = os.read(fd, 200).decode().split()
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    return f" (process {pid}, started {started.replace('T', ' ')})"
