"""Writing output files safely: built in a temporary file beside the target
and moved over it only once complete, so a failed run never leaves a
half-written file (and never touches the previous one), and never over the
input."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from .interrupts import committed, held, released


class OutputError(Exception):
    """The report cannot be written; the message names the file and what to do."""


def write_atomic(path: Path, build: Callable[[Path], None], *,
                 protect: Sequence[Path] = ()) -> Path:
    """Run build(tmp) and move tmp onto path; refuse to overwrite protected files."""
    path = Path(path).resolve()
    for other in protect:
        if path == Path(other).resolve():
            raise OutputError(f"refusing to write the report over the input workbook {path};"
                              " choose another --output")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {path.parent}: {exc.strerror}") from exc
    with held():  # Ctrl-C waits until the temporary file is moved into place or removed
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=".~tmp_", suffix=path.suffix or ".xlsx",
                                            dir=path.parent)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: the folder {path.parent} is not writable"
                              f" ({exc.strerror}); choose another --output") from exc
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with released():  # ... but stops the long part at once
                build(tmp)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
            os.replace(tmp, path)
            committed(path)
        except PermissionError as exc:
            raise OutputError(f"cannot write {path}: it is open in another program (close it"
                              " in Excel) or the folder is read-only; or choose another"
                              " --output") from exc
        finally:
            if tmp.exists():
                tmp.unlink()
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
