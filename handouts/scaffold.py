"""A new content folder: the shared templates, one example handout, its ``.pot`` files.

The shared templates (layout, stylesheet, partials, gallery page) have one
copy: the repository's ``templates/``. A wheel carries them as
``handouts/templates/`` (``pyproject.toml`` maps the folder there); a checkout
or an editable install reads the repository's folder directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .domains import GALLERY, GALLERY_FOLDER, HANDOUTS_FOLDER, domains
from .errors import ProjectError
from .project import TEMPLATES, Project
from .render import STYLESHEET
from .sync import extract, write_template

# What every project shares; pyproject.toml's package-data for handouts.templates lists the same.
SHARED = ("base.html", STYLESHEET, "partials", GALLERY_FOLDER)
EXAMPLE = "example"
_PACKAGE = Path(__file__).resolve().parent


def shared_templates() -> Path:
    """The folder the shared templates are copied from: packaged, else the checkout's."""
    for folder in (_PACKAGE / TEMPLATES, _PACKAGE.parent / TEMPLATES):
        if all((folder / name).exists() for name in SHARED):
            return folder
    raise ProjectError("the shared templates are missing from this installation; reinstall"
                       " handouts", path=_PACKAGE / TEMPLATES)


def example_template() -> Path:
    return _PACKAGE / "example" / f"{EXAMPLE}.html"


def new_project(root: Path) -> Project:
    """Create ``root`` (new or empty) as a project with one example handout.

    The ``.pot`` files are written by the same extraction ``handouts extract``
    runs, so the folder builds and translates at once. On any failure nothing
    is left behind.
    """
    if root.exists() and not root.is_dir():
        raise ProjectError("a file is in the way; choose a new folder", path=root)
    if root.is_dir() and any(root.iterdir()):
        raise ProjectError("the folder is not empty; choose a new or empty folder", path=root)
    source = shared_templates()
    existed = root.is_dir()
    project = Project(root.absolute())
    try:
        project.templates_dir.mkdir(parents=True)
        for name in SHARED:
            if (source / name).is_dir():
                shutil.copytree(source / name, project.templates_dir / name,
                                ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copyfile(source / name, project.templates_dir / name)
        (project.templates_dir / HANDOUTS_FOLDER).mkdir()
        shutil.copyfile(example_template(),
                        project.templates_dir / HANDOUTS_FOLDER / f"{EXAMPLE}.html")
        project.locales_dir.mkdir()
        for domain in [*domains(project.templates_dir), GALLERY]:
            write_template(project, extract(project, domain), domain)
    except BaseException as exc:
        _undo(project.root, existed)
        if isinstance(exc, OSError):
            raise ProjectError(f"cannot create the project: {exc.strerror}; choose another"
                               " folder", path=exc.filename or root) from None
        raise
    return project


def _undo(root: Path, existed: bool) -> None:
    """Remove what ``new_project`` wrote: the folder, or the contents of an empty one."""
    if not existed:
        shutil.rmtree(root, ignore_errors=True)
        return
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
