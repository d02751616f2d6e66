"""uv.lock and pyproject.toml agree: the lock is what a fresh machine installs."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).parent.parent


def declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    requirements = [*project["dependencies"],
                    *(r for extra in project["optional-dependencies"].values() for r in extra)]
    return {Requirement(r).name.lower(): Requirement(r) for r in requirements}


def lock() -> list[dict[str, object]]:
    return list(tomllib.loads((ROOT / "uv.lock").read_text("utf-8"))["package"])


def test_lock_records_exactly_the_declared_ranges() -> None:
    root = next(p for p in lock() if p["name"] == "handouts")
    recorded = {str(r["name"]).lower(): str(r.get("specifier", ""))
                for r in root["metadata"]["requires-dist"]}  # type: ignore[index]
    wanted = {name: str(r.specifier) for name, r in declared().items()}
    assert {n: str(Requirement(f"{n}{s}").specifier) for n, s in recorded.items()} == wanted


def test_every_locked_version_is_in_its_declared_range() -> None:
    pinned = {str(p["name"]).lower(): Version(str(p["version"])) for p in lock()
              if p["name"] != "handouts"}
    for name, requirement in declared().items():
        assert name in pinned, f"{name} is declared but not locked"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            name, str(pinned[name]), str(requirement.specifier))


def test_every_locked_file_has_a_hash() -> None:
    for package in lock():
        for wheel in package.get("wheels", []):  # type: ignore[attr-defined]
            assert str(wheel["hash"]).startswith("sha256:"), package["name"]


@pytest.mark.skipif(shutil.which(str(ROOT / ".tools" / "bin" / "uv")) is None,
                    reason="uv is installed by scripts/setup.sh")
def test_uv_agrees_the_lock_is_current() -> None:
    result = subprocess.run([str(ROOT / ".tools" / "bin" / "uv"), "lock", "--check",
                             "--offline", "--quiet"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
