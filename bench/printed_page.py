"""Is the printed page the same with the exact text layer as WeasyPrint draws it?

Run from the repository root (not part of the tests)::

    .venv/bin/python bench/printed_page.py                  # ar fa ur ur-nastaliq hi
    .venv/bin/python bench/printed_page.py --lang zh_CN

Renders each leaflet of each language in every format on both papers twice, from
the same HTML (bench/textlayer.py's), with and without the exact text layer, and
counts the pixels that differ on each page, rasterised at 110 dpi by poppler and
by PDFium (tests/samepage.py; PDFium compares against WeasyPrint's page without
the empty strings it leaves in text arrays).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from samepage import compare  # noqa: E402
from textlayer import leaflets  # noqa: E402

from handouts.pdf import Renderer  # noqa: E402
from handouts.render import FORMATS, PAPERS  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", action="append", help="language code, or ur-nastaliq")
    args = parser.parse_args(argv)
    languages = args.lang or ["ar", "fa", "ur", "ur-nastaliq", "hi"]
    renderers = {exact: Renderer(ROOT / "templates", ROOT / "templates" / "print.css",
                                 exact_text=exact) for exact in (True, False)}
    differing = 0
    print(f"{'language':<12} {'format':<12} {'paper':<7} {'leaflet':<30} poppler / PDFium")
    with tempfile.TemporaryDirectory() as folder:
        ours, stock = Path(folder) / "ours.pdf", Path(folder) / "stock.pdf"
        for paper in PAPERS:
            for fmt in FORMATS:
                for label, handout, html in leaflets(languages, paper, fmt):
                    ours.write_bytes(renderers[True].render(html)[0])
                    stock.write_bytes(renderers[False].render(html)[0])
                    poppler, pdfium = compare(ours, stock)
                    differing += sum(poppler) + sum(pdfium)
                    print(f"{label:<12} {fmt:<12} {paper:<7} {handout:<30} {poppler} / {pdfium}")
    print(f"pixels that differ: {differing}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
