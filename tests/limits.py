"""Documents that break the per-document limits, inside the forked workers."""

from __future__ import annotations

from typing import Any

import pytest


def limited(monkeypatch: pytest.MonkeyPatch, behaviour: str) -> None:
    """Make the Spanish document slow, stuck or greedy, inside the forked workers."""
    import signal
    import time

    from handouts import workers as build_module
    from handouts.workers import DocumentRenderer, Job

    monkeypatch.setattr(build_module, "RENDER_SECONDS", 1)
    monkeypatch.setattr(build_module, "GRACE_SECONDS", 2)  # slack for a loaded machine
    monkeypatch.setattr(build_module, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(build_module, "RENDER_MEMORY", 2**30)

    def misbehave(job: Job) -> None:
        # First thing under the limits: on a loaded machine a fresh worker's catalogs
        # and templates alone can take 1 s, and a stuck or greedy document would then
        # be reported as slow.
        if job.language != "es":
            # The 1 s limit is the Spanish document's: the others, which must go on, get
            # the watchdog's 3 s, which a loaded machine needs for a fresh Arabic page.
            signal.alarm(0)
            return
        if behaviour == "stuck":
            signal.signal(signal.SIGALRM, signal.SIG_IGN)  # as if stuck in C code
        if behaviour in ("slow", "stuck"):
            time.sleep(20)
        else:
            bytearray(2 * 2**30)

    for name in ("run", "make"):  # a build's documents, and the print desk's
        real = getattr(DocumentRenderer, name)

        def wrapped(self: DocumentRenderer, job: Job, real: Any = real) -> Any:
            misbehave(job)
            return real(self, job)

        monkeypatch.setattr(DocumentRenderer, name, wrapped)
