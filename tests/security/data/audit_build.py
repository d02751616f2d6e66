"""Run a build under a Python audit hook; print every file opened and socket used."""

import json
import sys
from dataclasses import replace
from pathlib import Path

from handouts.build import BuildOptions, build
from handouts.project import Project

project = Project.locate()
options = BuildOptions(out=Path(sys.argv[1]), languages=("en", "zh_CN", "ar"),
                       papers=("a4", "letter"), clinic=Path(sys.argv[2]),
                       force=True)
# Warm-up: imports and caches (fonts, per language) happen here; one paper and handout do it.
build(project, replace(options, papers=("a4",), handouts=("stockholm-syndrome-treatment",)))
events: list[list[str]] = []


def hook(event: str, args: tuple[object, ...]) -> None:
    if event == "open":
        events.append(["open", str(args[0])])
    elif event.startswith(("socket.", "urllib.", "http.", "ftplib.")) or event in (
            "subprocess.Popen", "os.system", "os.exec", "os.spawn"):
        events.append([event, repr(args)[:200]])


sys.addaudithook(hook)
report = build(project, options)
import site  # noqa: E402

installed = sorted({sys.prefix, sys.base_prefix, *site.getsitepackages()})
print(json.dumps({"ok": report.ok, "events": events, "installed": installed}))
