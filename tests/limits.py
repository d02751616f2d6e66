"""Documents that break the per-document limits, inside the forked workers.

Checked to fail (3 December 2026): with handouts/workers.py's ``_TooSlow`` an
``Exception``, or without run()'s and make()'s ``except MemoryError: raise``, the slow
or greedy cases of test_reader_safety.py and test_desk.py fail.
"""

from __future__ import annotations

import pytest


def limited(monkeypatch: pytest.MonkeyPatch, behaviour: str) -> None:
    """Make the Spanish document slow, stuck or greedy, inside the forked workers."""
    import signal
    import time

    from handouts import workers as build_module
    from handouts.catalog import LoadedCatalog
    from handouts.workers import DocumentRenderer

    monkeypatch.setattr(build_module, "RENDER_SECONDS", 1)
    monkeypatch.setattr(build_module, "GRACE_SECONDS", 2)  # slack for a loaded machine
    monkeypatch.setattr(build_module, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(build_module, "RENDER_MEMORY", 2**30)
    real = DocumentRenderer.text

    def text(self: DocumentRenderer, code: str, handout: str) -> LoadedCatalog:
        # A document's first step under the limits, inside run()'s and make()'s own
        # error handling, which must let the limits through. On a loaded machine a fresh
        # worker's catalogs and templates alone can take 1 s: misbehaving later, a stuck
        # or greedy document would be reported as slow.
        if code != "es":
            # The 1 s limit is the Spanish document's. The others, which must go on,
            # have only the watchdog's or the print desk's deadline, which a loaded
            # machine needs for a fresh Arabic page.
            signal.alarm(0)
        elif behaviour == "stuck":
            signal.signal(signal.SIGALRM, signal.SIG_IGN)  # as if stuck in C code
            time.sleep(20)
        elif behaviour == "slow":
            time.sleep(20)
        else:
            bytearray(2 * 2**30)
        return real(self, code, handout)

    monkeypatch.setattr(DocumentRenderer, "text", text)
