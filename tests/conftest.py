from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from handouts.build import BuildOptions, BuildReport, build
from handouts.catalog import shipped_languages
from handouts.project import Project

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def languages(project: Project) -> list[str]:
    return shipped_languages(project.locales_dir)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, project: Project) -> tuple[Path, BuildReport]:
    """Every shipped language on both papers, with a clinic file: built once, read by many."""
    out = tmp_path_factory.mktemp("built")
    report = build(project, BuildOptions(out=out, papers=("a4", "letter"), jobs=2,
                                         clinic=DATA / "clinic" / "clinic.toml"))
    return out, report


@pytest.fixture
def project_copy(tmp_path: Path) -> Project:
    """A scratch copy of the templates and catalogs, for tests that edit them."""
    for name in ("templates", "locales"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return Project(tmp_path)
