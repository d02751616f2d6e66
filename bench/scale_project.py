"""A generated library of many handouts, for the scale benchmark and the gallery test.

``make_project(dest, count)`` copies this repository's templates and catalogs into
``dest`` and adds copies of the patient handout until there are ``count``
handouts. Each copy has its own catalog domain and a numbered title ("... (17)"),
translated in every language, so every copy publishes as the original does.
It is generated, never shipped.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "stockholm-syndrome-treatment"
TITLE = "How Stockholm syndrome is treated"


def copy_name(number: int) -> str:
    return f"{SOURCE}-{number:03d}"


def _numbered_title(text: str, number: int) -> str:
    """Give the title entry (msgid and every msgstr line) the copy's number."""
    entry = re.compile(r'(msgid "' + re.escape(TITLE) + r'")\n(msgstr "(?:[^"\\\n]|\\.)*"\n'
                       r'(?:"(?:[^"\\\n]|\\.)*"\n)*)')

    def renumber(match: re.Match[str]) -> str:
        msgstr = match[2]
        # The template (.pot) has an empty msgstr; catalogs get the number too.
        empty = msgstr == 'msgstr ""\n'
        translated = msgstr if empty else msgstr[:-2] + f' ({number})"\n'
        return f'msgid "{TITLE} ({number})"\n{translated}'

    new, count = entry.subn(renumber, text)
    if count != 1:
        raise ValueError(f"expected one title entry, found {count}")
    return new


def make_project(dest: Path, count: int = 200) -> Path:
    """Write a project with ``count`` handouts into ``dest`` (created); return it."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("templates", "locales"):
        shutil.copytree(ROOT / name, dest / name, dirs_exist_ok=True)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    templates, locales = dest / "templates" / "handouts", dest / "locales"
    existing = len(list(templates.glob("*.html")))
    source_template = (templates / f"{SOURCE}.html").read_text("utf-8")
    catalogs = {po: po.read_text("utf-8")
                for po in sorted(locales.glob(f"*/LC_MESSAGES/{SOURCE}.po"))}
    pot = (locales / f"{SOURCE}.pot").read_text("utf-8")
    for number in range(1, count - existing + 1):
        name = copy_name(number)
        template = source_template.replace(f'_("{TITLE}")', f'_("{TITLE} ({number})")')
        (templates / f"{name}.html").write_text(template, "utf-8")
        source = f"templates/handouts/{SOURCE}.html"
        own = f"templates/handouts/{name}.html"  # as extract writes it: no update noise
        (locales / f"{name}.pot").write_text(
            _numbered_title(pot, number).replace(source, own), "utf-8")
        for po, text in catalogs.items():
            po.with_name(f"{name}.po").write_text(
                _numbered_title(text, number).replace(source, own), "utf-8")
    return dest


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python bench/scale_project.py DEST [COUNT]")
    make_project(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) == 3 else 200)
