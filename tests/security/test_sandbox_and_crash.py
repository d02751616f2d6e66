"""A build reads only allow-listed files, never the network, and never leaves a torn PDF.

The killed builds are 12 documents (3 languages, 2 handouts, 2 papers), enough to kill one
mid-batch after 1, 3 and 6 PDFs; the build after each kill is one document, in this
process, since any build sweeps the whole output folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from handouts.build import MANIFEST, BuildOptions, build
from handouts.project import Project

ROOT = Path(__file__).parent.parent.parent
DATA = Path(__file__).parent / "data"
CLINIC = ROOT / "tests" / "data" / "clinic"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def test_build_touches_only_the_allow_list_and_no_network(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(DATA / "audit_build.py"), str(out),
                             str(CLINIC / "clinic.toml")], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, check=True)
    audit = json.loads(result.stdout)
    assert audit["ok"]
    # Rendering reads templates, catalogs and the clinic files; the build also hashes
    # its own source (to know what changed) and writes the output folder.
    allowed = (str(ROOT / "templates") + os.sep, str(ROOT / "locales") + os.sep,
               str(out) + os.sep, str(CLINIC) + os.sep, str(ROOT / "handouts") + os.sep,
               *(path + os.sep for path in audit["installed"]))  # package versions
    events = audit["events"]
    # The only requests: the QR code, a data: URI decoded by urllib's DataHandler. The
    # only program run: GNU msgfmt, reading a catalog on its standard input.
    assert [e for e in events if e[0] != "open"
            and not (e[0] == "urllib.Request" and e[1].startswith("('data:"))
            and not (e[0] == "subprocess.Popen"
                     and e[1].startswith("('msgfmt', ['msgfmt', '--check', '-o', '/dev/null',"
                                         " '-']"))] == []
    opened = [path for kind, path in events
              if kind == "open" and not path.isdigit()]  # digits: fds we opened
    assert opened and [p for p in opened if not p.startswith(allowed)] == []


def valid(pdf: Path) -> bool:
    data = pdf.read_bytes()
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(
        PdfReader(pdf).pages) >= 1


CODES = ("en", "ar", "zh_CN")
DOCUMENTS = len(CODES) * 2 * 2  # handouts, papers


def build_command(out: Path) -> list[str]:
    languages = [arg for code in CODES for arg in ("--lang", code)]
    return [sys.executable, str(ROOT / "generate.py"), "build", "--paper", "a4", "--paper",
            "letter", *languages, "--out", str(out)]


def test_sigkill_mid_batch_leaves_no_torn_pdf(tmp_path: Path) -> None:
    for attempt, wanted in enumerate((1, 3, 6)):
        out = tmp_path / f"run{attempt}"
        proc = subprocess.Popen(build_command(out), cwd=ROOT, env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while len(list(out.rglob("*.pdf"))) < wanted and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finals = list(out.rglob("*.pdf"))
        assert finals, "killed before any PDF was written"
        assert all(valid(pdf) for pdf in finals)
        assert len(finals) < DOCUMENTS, "the build finished before it was killed"
        # What a killed build left behind is hidden, and the next build sweeps it away.
        after = build(Project(ROOT), BuildOptions(out=out, languages=("en",),
                                                  handouts=("stockholm-syndrome-treatment",)))
        assert after.ok, after.failures
        assert sorted(p.name for p in out.rglob(".*")) == [MANIFEST]


def test_two_builds_at_once_into_one_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    procs = [subprocess.Popen(build_command(out), cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    pdfs = list(out.rglob("*.pdf"))
    assert len(pdfs) == DOCUMENTS and all(valid(pdf) for pdf in pdfs)
    assert list(out.rglob(".*.tmp")) == []
