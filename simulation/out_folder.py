"""The ``--out`` folder: made ready before any output, held by one command at a time, never over an input.

* :func:`claimed` creates the folder (a part of the path that is a file, a read-only or missing parent: one
  line) and holds its lock for the command's life: the kernel's ``flock`` on ``DIR/.funnelsim.lock``, so a second
  funnelsim command writing there stops at once, in one line naming the one holding it, and a killed command
  leaves no stale lock (the kernel drops it with the process). The lock file is removed on the way out.
* :func:`not_inputs` refuses outputs that would replace a file the command reads (``calibrate X.csv --out
  X.csv``), before anything is written.
* :func:`inside` checks that a path built from a name in a file (a fix's name) stays inside the folder.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from simulation.errors import InputError
from simulation.input_files import printable

LOCK_NAME: Final = ".funnelsim.lock"


class OutError(InputError):
    """An output folder or file that cannot be used; the message names it."""


def prepare(out: Path, *, folder: bool = True) -> Path:
    """``out`` ready to write in: a folder created if missing (``folder=False``: its parent, for a file
    output that must not be a folder)."""
    shown = printable(str(out))
    if folder and out.exists() and not out.is_dir():
        raise OutError(f"{shown}: --out exists and is not a folder")
    if not folder and out.is_dir():
        raise OutError(f"{shown}: --out is a folder; give a file name")
    where = out if folder else out.parent
    try:
        where.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutError(f"{shown}: cannot create the folder: a part of the path is a file") from None
    except OSError as exc:
        raise OutError(f"{shown}: cannot create the folder ({_reason(exc)})") from None
    if not os.access(where, os.W_OK | os.X_OK):
        raise OutError(f"{shown}: cannot write there (permission denied)")
    return out


@contextmanager
def claimed(out: Path, command: str) -> Iterator[Path]:
    """Hold ``out`` (created if needed) for the ``with`` block; another holder is refused in one line."""
    prepare(out)
    lock = out / LOCK_NAME
    fd = _locked(lock, out)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"funnelsim {command} (pid {os.getpid()})\n".encode())
        yield out
    finally:
        try:
            if _same_file(fd, lock):
                lock.unlink()
        finally:
            os.close(fd)


def _locked(lock: Path, out: Path) -> int:
    for _ in range(10):  # the holder may remove the file between our open and our lock: then lock the new one
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise OutError(f"{printable(str(out))}: cannot write there ({_reason(exc)})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another funnelsim command"
            os.close(fd)
            raise OutError(f"{printable(str(out))}: in use by {printable(holder)}; wait for it to finish or choose "
                           "another --out (two runs writing one folder would mix their files)") from None
        if _same_file(fd, lock):
            return fd
        os.close(fd)
    raise OutError(f"{printable(str(out))}: could not lock the folder (another funnelsim keeps replacing its lock)")


def _same_file(fd: int, path: Path) -> bool:
    try:
        mine, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def not_inputs(outputs: Iterable[Path], inputs: Iterable[Path | None]) -> None:
    """Refuse when an output would replace one of the command's inputs (same file, by any path or link)."""
    existing = [p for p in inputs if p is not None and p.exists()]
    for output in outputs:
        for source in existing:
            if _same_path(output, source):
                raise OutError(f"{printable(str(output))}: --out would overwrite the input {printable(str(source))}; "
                               "write the output somewhere else")


def _same_path(output: Path, source: Path) -> bool:
    try:
        if output.exists():
            return os.path.samefile(output, source)
        return output.resolve() == source.resolve()
    except (OSError, RuntimeError):
        return False


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refused unless it is a direct child of ``folder`` (no separators, no ``..``)."""
    child = folder / name
    if name in ("", ".", "..") or child.parent != folder or Path(name).name != name:
        raise OutError(f"{printable(name)!r}: not usable as a folder name under {printable(str(folder))}")
    return child


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied" if exc.errno != errno.EROFS else "read-only file system"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)
