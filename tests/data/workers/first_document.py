"""Build two leaflets with two workers in a fresh interpreter and write, from each
worker, what its first document loaded that the build process had not loaded before
forking it: ``first_document.py OUT RECORDS``. tests/test_stages.py reads the records.

A fresh interpreter, because a test process that rendered in-process earlier would
hand its workers all of it, with or without the build's preloading.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

from weasyprint.text.ffi import ffi

from handouts import fontsubset, pdf, render
from handouts.build import BuildOptions, build
from handouts.errors import HandoutError
from handouts.project import Project
from handouts.workers import DocumentRenderer, Job, Written

ROOT = Path(__file__).resolve().parents[3]
CLINIC = ROOT / "tests" / "data" / "clinic" / "clinic.toml"
_run = DocumentRenderer.run
_first = [True]


def _misses() -> list[int]:
    return [pdf._coverage.cache_info().misses, render.date_format.cache_info().misses,
            fontsubset._harfbuzz.cache_info().misses]


def _c_types() -> set[str]:
    """The C type names cffi has parsed: WeasyPrint's and fontsubset.py's (cffi's own
    cache, not its API: an AttributeError here means cffi changed, not handouts)."""
    harfbuzz = fontsubset._harfbuzz()
    assert harfbuzz is not None, "HarfBuzz's subsetter is missing: run scripts/setup.sh"
    return set(ffi._parsed_types) | {f"{name} (fontsubset)"
                                     for name in harfbuzz[0]._parsed_types}


def noting(self: DocumentRenderer, job: Job) -> Written | HandoutError:
    """DocumentRenderer.run, noting what this worker's first document loaded."""
    if not _first[0]:
        return _run(self, job)
    _first[0] = False
    misses, modules, types = _misses(), set(sys.modules), _c_types()
    result = _run(self, job)
    record = {"modules": sorted(set(sys.modules) - modules),
              "c types": sorted(_c_types() - types),
              "cache misses": [b - a for a, b in zip(misses, _misses(), strict=True)],
              "qr code encoded": "website_qr" in vars(self.clinic),
              "frozen objects": gc.get_freeze_count()}
    (Path(sys.argv[2]) / f"{os.getpid()}.json").write_text(json.dumps(record))
    return result


def main() -> None:
    DocumentRenderer.run = noting  # type: ignore[method-assign]  # the workers inherit it
    report = build(Project(ROOT), BuildOptions(
        out=Path(sys.argv[1]), languages=("ar", "zh_CN"), handouts=("helping-someone-recover",),
        formats=("bilingual",), jobs=2, clinic=CLINIC, gallery=False))
    assert report.ok and len(report.written) == 2, report.failures
    print(json.dumps({"parsed in the build": sorted(set(pdf._C_TYPES)
                                                   & set(ffi._parsed_types)),
                      "frozen objects": gc.get_freeze_count()}))


if __name__ == "__main__":
    main()
