"""Splitting the single handouts.po into per-domain catalogs loses nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.catalog import Message

from handouts.catalog import load_catalog
from handouts.project import Project
from handouts.sync import migrate

ROOT = Path(__file__).parent.parent
OLD = Path(__file__).parent / "data" / "migration"  # catalogs of the single-domain layout


def test_every_translation_comment_previous_msgid_and_header_survives(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    old = {}
    for folder in sorted(OLD.iterdir()):
        target = tmp_path / "locales" / folder.name / "LC_MESSAGES" / "handouts.po"
        target.parent.mkdir(parents=True)
        shutil.copy(folder / "handouts.po", target)
        old[folder.name] = load_catalog(target)
    written = migrate(Project(tmp_path))
    assert written
    assert not list(tmp_path.glob("locales/*/LC_MESSAGES/handouts.po"))
    for code, before in old.items():
        after = [load_catalog(p) for p in sorted(
            tmp_path.glob(f"locales/{code}/LC_MESSAGES/*.po"))]
        assert {p.stem for p in (tmp_path / "locales" / code / "LC_MESSAGES").glob("*.po")} >= {
            "common", "stockholm-syndrome-treatment"}
        entries: dict[tuple[object, object, object], Message] = {}
        for catalog in after:
            assert catalog.headers == before.headers  # every header field, X- ones included
            for message in catalog.messages():
                entries.setdefault((message.context, message.id, message.string), message)
        for message in before.messages():
            key = (message.context, message.id, message.string)
            assert key in entries, (code, key)
            moved = entries[key]
            assert moved.user_comments == message.user_comments
            assert moved.previous_id == message.previous_id
            assert moved.fuzzy == message.fuzzy
    es = old["es"].catalog.get("Get help now")
    assert es is not None and es.previous_id == ["Get help"] and es.user_comments
    # The old file located the help box in the handout; today a shared partial prints
    # it, so its translation goes to common.po, where update keeps it.
    assert "stockholm" in es.locations[0][0]
    common = load_catalog(tmp_path / "locales" / "es" / "LC_MESSAGES" / "common.po")
    assert common.catalog.get("Get help now") is not None
    from handouts.sync import update

    update(Project(tmp_path), ["es"])
    common = load_catalog(tmp_path / "locales" / "es" / "LC_MESSAGES" / "common.po")
    entry = common.catalog.get("Get help now")
    assert entry is not None and entry.string == es.string
