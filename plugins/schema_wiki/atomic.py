"""Writing a file so that no reader ever sees half of it.

Pages, generated pages, their manifest and the command line's reports all
go through `write_atomically`: a build that is interrupted leaves either the
old file or the new one, never a truncated one (a user's file is never lost
to a half-finished write).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(target: Path, data: bytes | str, *, suffix: str = ".tmp") -> None:
    """Write ``data`` (text as UTF-8) to a temporary file beside ``target``, then rename.

    The temporary file is named ``.<target name>.<random><suffix>``, so a
    caller that must recognise its own leftovers after a crash can give a
    suffix of its own. The file is readable by all (0644), like any file a
    user writes; the temporary file is removed on any failure.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
