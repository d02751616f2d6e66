"""Text-layer benchmark: the share of printed words that text extraction returns exactly.

Run from the repository root (not part of the tests)::

    .venv/bin/python bench/textlayer.py                     # render every language, A4
    .venv/bin/python bench/textlayer.py --lang hi --lang ur-nastaliq --keep /tmp/tl
    .venv/bin/python bench/textlayer.py --pdfs /tmp/tl      # measure PDFs already built
    .venv/bin/python bench/textlayer.py --stock             # WeasyPrint's own text layer

Each leaflet (handout x language; A4 and standard format unless --paper and
--format say otherwise) is rendered to HTML by ``render_html`` as the build
does; its PDF is rendered in-process (or read from ``--pdfs DIR``, in the
build's layout ``<lang>/<handout>-<paper>[-<format>].pdf``).

The word-matching rule is tests/wordshare.py's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from wordshare import EXTRACTORS, extract, matched, printed_words, words  # noqa: E402

from handouts.catalog import shipped_languages  # noqa: E402
from handouts.clinic import Clinic, load_clinic  # noqa: E402
from handouts.domains import handout_names as list_handouts  # noqa: E402
from handouts.gate import leaflet_text  # noqa: E402
from handouts.pdf import Renderer  # noqa: E402
from handouts.render import FORMATS, PAPERS, make_environment, render_html  # noqa: E402
from handouts.workers import source_text  # noqa: E402

NASTALIQ = "ur-nastaliq"  # opt-in: Urdu with the clinic's urdu_style = "nastaliq"
def leaflets(languages: list[str], paper: str = "a4", fmt: str = "standard"
             ) -> Iterable[tuple[str, str, str]]:
    """(language label, handout, HTML) for each leaflet, on one paper, in one format."""
    env = make_environment(ROOT / "templates")
    nastaliq: Clinic = load_clinic(ROOT / "tests" / "data" / "clinic" / "nastaliq.toml")
    for label in languages:
        code = "ur" if label == NASTALIQ else label
        clinic = nastaliq if label == NASTALIQ else None
        for handout in list_handouts(ROOT / "templates"):
            merged, _ = leaflet_text(ROOT / "locales", ROOT / "templates", code, handout)
            loaded = merged if merged is not None else source_text(ROOT / "locales")
            catalog = None if loaded.language.is_source else loaded
            yield label, handout, render_html(env, handout, catalog, loaded.language,
                                              PAPERS[paper], clinic=clinic, fmt=fmt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", action="append", help="language code, or ur-nastaliq")
    parser.add_argument("--paper", choices=list(PAPERS), default="a4")
    parser.add_argument("--format", choices=FORMATS, default="standard", dest="fmt")
    parser.add_argument("--pdfs", type=Path,
                        help="measure DIR/<lang>/<handout>-<paper>[-<format>].pdf")
    parser.add_argument("--keep", type=Path, help="write the rendered PDFs here")
    parser.add_argument("--stock", action="store_true", help="WeasyPrint's own text layer")
    parser.add_argument("--misses", type=int, default=0, help="show N missed words each")
    args = parser.parse_args(argv)

    languages = args.lang or [*shipped_languages(ROOT / "locales"), NASTALIQ]
    renderer = None
    if args.pdfs is None:
        renderer = Renderer(ROOT / "templates", ROOT / "templates" / "print.css",
                            exact_text=not args.stock)
    out = args.keep or Path(tempfile.mkdtemp(prefix="textlayer-"))
    totals: dict[tuple[str, str], list[int]] = {}
    missed: dict[tuple[str, str], list[str]] = {}
    suffix = "" if args.fmt == "standard" else f"-{args.fmt}"
    for label, handout, html in leaflets(languages, args.paper, args.fmt):
        name = f"{handout}-{args.paper}{suffix}.pdf"
        if args.pdfs is not None:
            pdf = args.pdfs / label / name
        else:
            assert renderer is not None
            pdf = out / label / name
            pdf.parent.mkdir(parents=True, exist_ok=True)
            pdf.write_bytes(renderer.render(html)[0])
        printed = printed_words(html)
        for extractor in EXTRACTORS:
            hits, total, misses = matched(printed, words(extract(pdf, extractor), set(printed)))
            count = totals.setdefault((label, extractor), [0, 0])
            count[0] += hits
            count[1] += total
            missed.setdefault((label, extractor), []).extend(misses)
    print(f"{'language':<12} {'words':>6} " + " ".join(f"{e:>10}" for e in EXTRACTORS))
    for label in languages:
        row = [totals[(label, e)] for e in EXTRACTORS]
        print(f"{label:<12} {row[0][1]:>6} "
              + " ".join(f"{100 * h / max(t, 1):>9.1f}%" for h, t in row))
        for extractor in EXTRACTORS:
            if args.misses and missed[(label, extractor)]:
                print(f"    {extractor} misses: "
                      + " ".join(missed[(label, extractor)][:args.misses]))
    if args.keep is None and args.pdfs is None:
        print(f"PDFs in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
