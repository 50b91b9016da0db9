"""The one atomic file write of the project.

Every file that a reader may open while it is being replaced (the live
dataset, its metadata, the history index, caches, exports, static map data)
is written here: into a temporary file in the same folder, ``fsync``, a mode
set explicitly (``mkstemp`` makes 0600, and the app server may run as another
user than the admin's CLI), ``os.replace``, then ``fsync`` of the folder so
the rename itself survives a power loss (rename(2), fsync(2)).

A reader sees either all the old bytes or all the new ones, never a mix.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["PRIVATE_MODE", "PUBLIC_MODE", "atomic_write", "fsync_dir"]

#: Mode of files others may read: published data, exports, static assets.
PUBLIC_MODE = 0o644
#: Mode of files only the owner may read: secrets and pickles.
PRIVATE_MODE = 0o600


def fsync_dir(folder: str | Path) -> None:
    """Flush a folder's entries to disk, so a rename in it survives a power loss.

    Parameters
    ----------
    folder : str or Path
        The folder that holds a file just renamed.
    """
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:  # platforms that cannot open a directory (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(
    path: str | Path,
    data: bytes,
    *,
    mode: int = PUBLIC_MODE,
    on_step: Callable[[str], None] | None = None,
) -> None:
    """Replace ``path`` with ``data`` so that readers see all old or all new bytes.

    Parameters
    ----------
    path : str or Path
        The file to write; its folder must exist.
    data : bytes
        The new content.
    mode : int
        Permission bits of the new file: ``PUBLIC_MODE`` (0644, the default)
        or ``PRIVATE_MODE`` (0600) for secrets.
    on_step : callable, optional
        Called with ``"temp-partial"``, ``"temp-written"`` and ``"replaced"``
        as the write goes on (the publish tests kill a process at a step).

    Raises
    ------
    OSError
        When the folder is missing or not writable; ``path`` is then unchanged
        and no temporary file is left behind.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            if on_step is None:
                fh.write(data)
            else:
                half = len(data) // 2
                fh.write(data[:half])
                fh.flush()
                on_step("temp-partial")
                fh.write(data[half:])
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if on_step is not None:
            on_step("temp-written")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if on_step is not None:
        on_step("replaced")
    fsync_dir(path.parent)
