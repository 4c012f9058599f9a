"""Write a report file atomically: a reader (a CI job, node_exporter, a browser) sees
the previous file or the new one, never half of one.

The text goes to a hidden temporary file in the same directory (same file
system, so the rename is atomic; a name not ending in ``.prom`` so the
textfile collector ignores it), is flushed to disk, then renamed over the
target. The temporary file is removed if anything fails.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: str | Path, text: str) -> Path:
    """Replace *path* with *text* (UTF-8) atomically; return the path written.

    Created with mode 0666 minus the umask, like any file the user writes.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
