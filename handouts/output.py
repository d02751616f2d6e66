"""Output: the files a build leaves behind, written whole or not at all.

Every stage that writes (build, gallery, sync, review) goes through
``write_atomic``, so a killed build never leaves a torn PDF, catalog or
manifest. Here too: where each document goes, the manifest of what was built
from which inputs, withdrawing a leaflet, and sweeping stale temporaries.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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



def output_path(out: Path, language: str, handout: str, paper: str,
                fmt: str = "standard") -> Path:
    """``OUT/<lang>/<handout>-<paper>[-<format>].pdf``."""
    suffix = "" if fmt == "standard" else f"-{fmt}"
    return out / language / f"{handout}-{paper}{suffix}.pdf"


MANIFEST = ".handouts-manifest.json"
_MANIFEST_VERSION = 2


@dataclass
class Manifest:
    """What the last builds into one folder recorded: each document's input digest,
    and each (language, handout)'s gate decision with the digest of its inputs.

    A missing or unreadable manifest is an empty one: the next build renders
    everything again, slower but still correct.
    """

    out: Path
    documents: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)  # documents this build set or dropped
    decided: set[str] = field(default_factory=set)  # decisions this build recorded

    @classmethod
    def read(cls, out: Path) -> Manifest:
        try:
            data = json.loads((out / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError):
            return cls(out)
        if not isinstance(data, dict) or data.get("version") != _MANIFEST_VERSION:
            return cls(out)
        documents, decisions = data.get("documents"), data.get("decisions")
        return cls(out,
                   {k: v for k, v in documents.items() if isinstance(v, str)}
                   if isinstance(documents, dict) else {},
                   {k: v for k, v in decisions.items() if isinstance(v, dict)}
                   if isinstance(decisions, dict) else {})

    def up_to_date(self, target: Path, digest: str) -> bool:
        """The document was built from these inputs and its files (the PDF and its HTML
        version) are still there."""
        return (self.documents.get(str(target)) == digest and target.is_file()
                and target.with_suffix(".html").is_file())

    def set(self, target: Path, digest: str) -> None:
        self.documents[str(target)] = digest
        self.touched.add(str(target))

    def drop(self, target: Path) -> None:
        self.documents.pop(str(target), None)
        self.touched.add(str(target))

    def decide(self, key: str, record: dict[str, Any]) -> None:
        self.decisions[key] = record
        self.decided.add(key)

    def save(self) -> None:
        """Write the manifest, merged with what a concurrent build recorded meanwhile:
        ours wins for the documents this build rendered or dropped, and the decisions
        it made. A build that changed nothing leaves the file alone."""
        if not self.out.is_dir() or not (self.touched or self.decided):
            return
        ours = {path: self.documents.get(path) for path in sorted(self.touched)}
        current = Manifest.read(self.out)
        merged = {**current.documents, **ours}
        data = {"version": _MANIFEST_VERSION,
                "documents": {k: v for k, v in sorted(merged.items()) if v},
                "decisions": dict(sorted({**current.decisions, **{
                    key: self.decisions[key] for key in self.decided}}.items()))}
        with contextlib.suppress(OutputError):
            write_atomic(self.out / MANIFEST, json.dumps(data, indent=0, sort_keys=True))


def withdraw(out: Path, language: str, handout: str, papers: Iterable[str],
             formats: Iterable[str], manifest: Manifest) -> None:
    """Remove the PDFs and previews of a leaflet the content no longer publishes,
    on every paper and in every format, not only the ones requested."""
    for paper in papers:
        for fmt in formats:
            target = output_path(out, language, handout, paper, fmt)
            for path in (target, target.with_suffix(".html")):
                path.unlink(missing_ok=True)
            manifest.drop(target)
