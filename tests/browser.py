"""Headless Chromium (Debian's) through Playwright, and axe-core inside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))


def axe_violations(page: Any) -> list[Any]:
    """What axe-core finds on the page with every rule enabled: [rule, [node html]]."""
    # scripts/setup.sh installs axe-core from package-lock.json; never skipped.
    assert AXE.is_file(), f"{AXE} is missing: run scripts/setup.sh (npm ci)"
    page.add_script_tag(content=AXE.read_text("utf-8"))
    violations: list[Any] = page.evaluate("""async () => {
        const rules = Object.fromEntries(axe.getRules().map((r) => [r.ruleId, {enabled: true}]));
        const result = await axe.run(document, {rules, resultTypes: ["violations"]});
        return result.violations.map((v) => [v.id, v.nodes.map((n) => n.html)]);
    }""")
    return violations
