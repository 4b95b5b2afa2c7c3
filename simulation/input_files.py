"""Opening the files a user names: regular files only, size-limited, never blocking, errors as one line.

``/dev/zero`` as a scenario would fill memory and a FIFO would block for ever, so every input is checked with
``stat`` before it is opened (a FIFO is never opened) and read with a byte limit
(:mod:`simulation.limits`). A symlink loop, a missing file, a folder, a file without read permission: each is one
:class:`InputError` naming the path and what is wrong with it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from simulation.errors import InputError

BOM = b"\xef\xbb\xbf"


def printable(text: str) -> str:
    """``text`` on one line: newlines, NULs and other control characters escaped (``\\n``, ``\\x00``)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def regular_file(path: str | Path, what: str, limit: int) -> Path:
    """``path`` if it is a readable regular file of at most ``limit`` bytes; else an :class:`InputError` naming it
    as ``what`` (e.g. "scenario file")."""
    path = Path(path)
    shown = printable(str(path))
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"{shown}: {_why(exc, what)}") from None
    except ValueError:  # an embedded NUL
        raise InputError(f"{shown}: unusable path (it contains a NUL character)") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{shown}: is a directory, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise InputError(f"{shown}: is {kind}, not a regular file; funnelsim reads {what}s from regular files only")
    if info.st_size > limit:
        raise InputError(f"{shown}: {info.st_size:,} bytes is over the {limit:,}-byte limit for a {what}")
    if not os.access(path, os.R_OK):
        raise InputError(f"{shown}: cannot read the {what} (permission denied)")
    return path


def read_bytes(path: str | Path, what: str, limit: int) -> bytes:
    """The content of a regular file of at most ``limit`` bytes (read with that limit, in case it grows)."""
    path = regular_file(path, what, limit)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{printable(str(path))}: {_why(exc, what)}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped for a FIFO since the check
            raise InputError(f"{printable(str(path))}: is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{printable(str(path))}: more than the {limit:,}-byte limit for a {what}")
    return data


def read_text(path: str | Path, what: str, limit: int) -> str:
    """A UTF-8 text file (a byte-order mark is dropped, as spreadsheet programs write one); binary content, or
    text that is not UTF-8, is an :class:`InputError`."""
    data = read_bytes(path, what, limit)
    shown = printable(str(path))
    if b"\x00" in data:
        raise InputError(f"{shown}: binary file, not a {what}")
    try:
        return data.removeprefix(BOM).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{shown}: not UTF-8 text, so not a {what}") from None


def _why(exc: OSError, what: str) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop (a link that points back to itself)"
    if exc.errno == errno.ENOENT:
        return "no such file"
    if exc.errno == errno.EACCES:
        return f"cannot read the {what} (permission denied)"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if exc.errno == errno.ENAMETOOLONG:
        return "path too long"
    return f"cannot read ({exc.strerror or exc})"
