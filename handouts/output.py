"""Output: files in the output folder, written whole or not at all.

Every stage that writes (build, gallery, sync, review) goes through here, so a
killed build never leaves a torn PDF, catalog or manifest behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError

TEMP_SUFFIX = ".tmp"


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files left by killed builds (their process is gone)."""
    removed = 0
    for tmp in folder.glob(f"**/.*{TEMP_SUFFIX}"):
        parts = tmp.name.split(".")
        pid = int(parts[-3]) if len(parts) >= 4 and parts[-3].isdigit() else None
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_atomic(target: Path, data: bytes | str) -> None:
    """Write via a temporary file in the same folder, then rename: never a torn file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.",
                                   suffix=TEMP_SUFFIX)
    except (FileExistsError, NotADirectoryError):
        raise OutputError("cannot create this folder: a file is in the way; move it or choose"
                          " another folder with --out", path=target.parent) from None
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}; choose another folder with"
                          " --out", path=target.parent) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write file: {exc.strerror}", path=target) from None

