"""Benchmark: our batch build against a naive one-`weasyprint`-process-per-document loop.

Run from the repository root:  .venv/bin/python bench/run.py   (not part of the tests)
Everything is measured side by side in one run, and ratios are printed, because
absolute times on shared machines are noisy.
"""

from __future__ import annotations

import functools
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handouts.catalog import (  # noqa: E402
    SOURCE_LANGUAGE,
    Language,
    LoadedCatalog,
    parse_locale,
    shipped_languages,
)
from handouts.clinic import Clinic, load_clinic  # noqa: E402
from handouts.gate import leaflet_text  # noqa: E402
from handouts.output import write_atomic  # noqa: E402
from handouts.pdf import PDF_VARIANT, Renderer  # noqa: E402
from handouts.render import PAPERS, make_environment, render_html  # noqa: E402

HANDOUT = "stockholm-syndrome-treatment"
FAMILIES = {"Latin": "en", "Arabic": "ar", "CJK": "zh_CN"}
REPEAT = 5
ROUNDS = 15
NASTALIQ = "ur (Nastaliq)"


def leaflet(code: str) -> tuple[LoadedCatalog | None, Language]:
    """What a build renders for ``code``: the merged translations (none for English)."""
    if code == SOURCE_LANGUAGE:
        return None, Language(code=code, locale=parse_locale(code))
    merged, _ = leaflet_text(ROOT / "locales", ROOT / "templates", code, HANDOUT)
    assert merged is not None
    return merged, merged.language


def run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


class TreeMemory(threading.Thread):
    """Peak memory of a process and its descendants, summed.

    PSS (proportional set size): pages that forked workers share with their
    parent count once in total, not once per process as RSS would.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, False

    def tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    parents[int(entry.name)] = int(fields[1])
                except (OSError, IndexError):
                    continue
        found, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [p for p, parent in parents.items() if parent in frontier]
            found += frontier
        return found

    def run(self) -> None:
        while not self.done:
            total = 0
            for pid in self.tree():
                try:
                    status = Path(f"/proc/{pid}/smaps_rollup").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
            self.peak = max(self.peak, total)
            time.sleep(0.02)


def full_build(out: Path) -> tuple[float, int]:
    command = [sys.executable, "generate.py", "build", "--paper", "a4", "--paper", "letter",
               "--out", str(out), "--force", "--quiet"]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT)
    watch = TreeMemory(proc.pid)
    watch.start()
    proc.wait()
    elapsed = time.perf_counter() - started
    watch.done = True
    watch.join()
    assert proc.returncode == 0
    return elapsed, watch.peak


def main() -> None:
    languages = shipped_languages(ROOT / "locales")
    work = Path(tempfile.mkdtemp(prefix="handouts-bench-"))
    out = work / "out"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python"
          f" {platform.python_version()}, {platform.platform()}")
    docs = len(languages) * 2
    print(f"documents: {len(languages)} languages x A4 and Letter = {docs}\n")

    # (a) full build, and (e) its peak memory
    full, peak = full_build(out)
    # (c) no-op rebuild
    noop = statistics.median(run([sys.executable, "generate.py", "build", "--paper", "a4",
                                  "--paper", "letter", "--out", str(out), "--quiet"])
                             for _ in range(REPEAT))
    # (b) the same documents from the same HTML, one `weasyprint` process each
    html_out = work / "html"
    run([sys.executable, "generate.py", "build", "--paper", "a4", "--paper", "letter",
         "--out", str(html_out), "--quiet"])  # each PDF has its HTML beside it
    weasyprint = shutil.which("weasyprint") or str(Path(sys.executable).parent / "weasyprint")
    pages = sorted(html_out.glob("*/*.html"))  # the leaflets, not the gallery page
    naive = sum(run([weasyprint, "--pdf-variant", PDF_VARIANT, str(page),
                     str(page.with_suffix(".naive.pdf"))]) for page in pages)

    # (d) render time per language, and our overhead over a bare write_pdf, warm.
    # Rounds go over every language in turn, so a slow spell of this shared machine
    # hits all languages alike instead of skewing one of them.
    from weasyprint import HTML

    renderer = Renderer(ROOT / "templates", ROOT / "templates" / "print.css")
    env = make_environment(ROOT / "templates")
    css = (ROOT / "templates" / "print.css").read_text("utf-8")
    base = (ROOT / "templates").as_uri() + "/"
    nastaliq = load_clinic(ROOT / "tests" / "data" / "clinic" / "nastaliq.toml")
    cases: dict[str, tuple[str, Clinic | None]] = {code: (code, None) for code in languages}
    cases[NASTALIQ] = ("ur", nastaliq)  # opt-in (clinic file), not a shipped default
    documents: dict[str, tuple[Callable[[], str], str]] = {}
    for name, (code, clinic) in cases.items():
        loaded, language = leaflet(code)
        documents[name] = (functools.partial(render_html, env, HANDOUT, loaded, language,
                                             PAPERS["a4"], clinic=clinic),
                           render_html(env, HANDOUT, loaded, language, PAPERS["a4"],
                                       clinic=clinic, stylesheet=css))
        renderer.render(documents[name][0]())  # warm caches for this script and fonts
    ours_times: dict[str, list[float]] = {name: [] for name in cases}
    bare_times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, (html, inline) in documents.items():
            started = time.perf_counter()
            data, _pages = renderer.render(html())
            write_atomic(work / "ours.pdf", data)
            ours_times[name].append(time.perf_counter() - started)
            started = time.perf_counter()
            HTML(string=inline, base_url=base).write_pdf(work / "bare.pdf",
                                                         pdf_variant=PDF_VARIANT)
            bare_times[name].append(time.perf_counter() - started)
    ours = {name: statistics.median(times) for name, times in ours_times.items()}
    # Each language against the Latin leaflet of the same round, then the median
    # over rounds: a slow round slows both sides of its ratios alike.
    latin_times = ours_times[FAMILIES["Latin"]]
    vs_latin = {name: statistics.median(t / latin for t, latin in zip(times, latin_times,
                                                                       strict=True))
                for name, times in ours_times.items()}
    bare = {name: statistics.median(times) for name, times in bare_times.items()}
    ours.pop(NASTALIQ)
    nastaliq_ratio = vs_latin.pop(NASTALIQ)
    bare.pop(NASTALIQ)

    sizes = {code: (out / code / f"{HANDOUT}-a4.pdf").stat().st_size for code in languages}
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    print(f"(a) full build, {docs} documents, --jobs {os.cpu_count()}: {full:6.2f} s")
    print(f"(b) naive loop, one weasyprint process each:   {naive:6.2f} s")
    print(f"(c) no-op rebuild (median of {REPEAT}):           {noop:6.2f} s")
    print(f"(e) peak memory of the full build (all processes): {peak / 2**20:.0f} MB"
          f"   (this benchmark process: {self_peak / 2**20:.0f} MB)")
    print(f"\n(d) warm render time per document, A4 (median of {ROUNDS} rounds), and a bare"
          " write_pdf of the same HTML:")
    for code in languages:
        print(f"    {code:6} ours {ours[code] * 1000:6.0f} ms   bare {bare[code] * 1000:6.0f} ms"
              f"   x{vs_latin[code]:4.2f} Latin   size {sizes[code] / 1024:5.0f} KB")
    slowest_family = max(FAMILIES, key=lambda f: vs_latin[FAMILIES[f]])
    slowest_any = max(vs_latin, key=lambda c: vs_latin[c])
    cjk = ("zh_CN", "zh_TW", "ja", "ko")
    ratios = [
        ("full build / naive loop", f"{full / naive:.2f}", "<= 0.30"),
        ("no-op rebuild / full build", f"{noop / full:.2f}", "<= 0.10"),
        (f"slowest family ({slowest_family}) / Latin",
         f"{vs_latin[FAMILIES[slowest_family]]:.2f}", "<= 1.5"),
        (f"slowest language ({slowest_any}) / Latin", f"{vs_latin[slowest_any]:.2f}",
         "<= 1.5"),
        ("ours / bare write_pdf (all docs)", f"{sum(ours.values()) / sum(bare.values()):.2f}",
         "<= 1.15"),
        ("peak memory", f"{peak / 2**20:.0f} MB", "<= 400 MB"),
        ("largest non-CJK PDF",
         f"{max(s for c, s in sizes.items() if c not in cjk) / 1024:.0f} KB", "<= 150 KB"),
        ("largest CJK PDF", f"{max(s for c, s in sizes.items() if c in cjk) / 1024:.0f} KB",
         "<= 200 KB"),
        ("opt-in: Urdu in Nastaliq / Latin", f"{nastaliq_ratio:.2f}",
         'urdu_style = "nastaliq" in the clinic file; no target'),
    ]
    print("\nratios (target in brackets):")
    for label, value, target in ratios:
        print(f"  {label:38} {value:>7}  ({target})")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
