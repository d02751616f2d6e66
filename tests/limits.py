"""Documents that break the per-document limits, inside the forked workers."""

from __future__ import annotations

import pytest


def limited(monkeypatch: pytest.MonkeyPatch, behaviour: str) -> None:
    """Make the Spanish document slow, stuck or greedy, inside the forked workers."""
    import signal
    import time

    from handouts import workers as build_module
    from handouts.pdf import Renderer

    monkeypatch.setattr(build_module, "RENDER_SECONDS", 1)
    monkeypatch.setattr(build_module, "GRACE_SECONDS", 2)  # slack for a loaded machine
    monkeypatch.setattr(build_module, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(build_module, "RENDER_MEMORY", 2**30)
    real = Renderer.render

    def render(self: Renderer, html: str) -> tuple[bytes, int]:
        if 'lang="es"' in html:
            if behaviour == "stuck":
                signal.signal(signal.SIGALRM, signal.SIG_IGN)  # as if stuck in C code
            if behaviour in ("slow", "stuck"):
                time.sleep(20)
            else:
                bytearray(2 * 2**30)
        return real(self, html)

    monkeypatch.setattr(Renderer, "render", render)
