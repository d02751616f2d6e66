"""Time ``generate.py update`` on a generated library (bench/scale_project.py).

``measure(project)`` runs, each as its own ``generate.py --project … update``
process as a maintainer would, and returns seconds per step:

- ``first``: the first update, with nothing cached (in a generated project it also
  rewrites every copy's .pot and catalogs, whose ``#:`` lines name the source template);
- ``add one handout, one language``: a new template, then ``update --lang es``;
- ``add one handout, all languages``: another new template, then ``update``;
- ``no change``: ``update`` again;
- ``one common string``: one English message edited in a shared partial, then ``update``.

Run:  .venv/bin/python bench/update_timing.py [DEST] [COUNT]   (not part of the tests)
DEST (default: a temporary folder) is filled by scale_project.make_project.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from scale_project import SOURCE, make_project  # noqa: E402

PARTIAL = ("partials/help.html", "Get help now")  # a message every leaflet prints


def update(project: Path, *options: str, generate: Path = ROOT / "generate.py") -> float:
    """Seconds one ``update`` process takes, start-up included."""
    started = time.perf_counter()
    subprocess.run([sys.executable, str(generate), "--project", str(project), "update",
                    *options], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def add_handout(project: Path, name: str) -> None:
    """A new handout: the patient handout's template with its own title."""
    handouts = project / "templates" / "handouts"
    text = (handouts / f"{SOURCE}.html").read_text("utf-8")
    new = text.replace('_("How Stockholm syndrome is treated")', f'_("{name}")')
    assert new != text
    (handouts / f"{name}.html").write_text(new, "utf-8")


def edit_common(project: Path) -> None:
    path = project / "templates" / PARTIAL[0]
    text = path.read_text("utf-8")
    new = text.replace(f'_("{PARTIAL[1]}")', f'_("{PARTIAL[1]}!")')
    assert new != text, f"{PARTIAL[1]!r} not found in {path}"
    path.write_text(new, "utf-8")


def measure(project: Path, generate: Path = ROOT / "generate.py") -> dict[str, float]:
    """The steps above, in order, on ``project`` (it is changed)."""
    times = {"first": update(project, generate=generate)}
    add_handout(project, "bench-new-handout-a")
    times["add one handout, one language"] = update(project, "--lang", "es", generate=generate)
    update(project, generate=generate)  # the other languages get that handout too
    add_handout(project, "bench-new-handout-b")
    times["add one handout, all languages"] = update(project, generate=generate)
    times["no change"] = update(project, generate=generate)
    edit_common(project)
    times["one common string"] = update(project, generate=generate)
    return times


def main() -> None:
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as scratch:
        dest = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(scratch) / "project"
        make_project(dest, count)
        for step, seconds in measure(dest).items():
            print(f"{step:32} {seconds:7.2f} s")


if __name__ == "__main__":
    main()
