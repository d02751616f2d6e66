"""What a leaflet prints, per language: the catalog text the tests compare PDFs with."""

from __future__ import annotations

from pathlib import Path

from babel import Locale

from handouts.catalog import SOURCE_LANGUAGE, Language, LoadedCatalog, PoCatalog
from handouts.domains import printed
from handouts.gate import leaflet_text
from handouts.project import Project

ROOT = Path(__file__).parent.parent
HANDOUT = "stockholm-syndrome-treatment"
FAMILY = "helping-someone-recover"


def leaflet(project: Project, code: str, handout: str = HANDOUT) -> LoadedCatalog:
    """The merged translations one leaflet prints; English maps each message to itself."""
    if code != SOURCE_LANGUAGE:
        merged, _ = leaflet_text(project.locales_dir, project.templates_dir, code, handout)
        assert merged is not None
        return merged
    catalog = PoCatalog(locale="en")
    for message in printed(project.templates_dir, handout):
        catalog.add(message.msgid, message.msgid, context=message.context)
    language = Language(code=SOURCE_LANGUAGE, locale=Locale(SOURCE_LANGUAGE))
    return LoadedCatalog(project.locales_dir / SOURCE_LANGUAGE, catalog, {}, language)


def po_of(project: Project, code: str, msgid: str, handout: str = HANDOUT) -> Path:
    """The catalog that translates ``msgid`` as ``handout`` prints it (its domain's)."""
    from handouts.catalog import catalog_path

    domain = next(m.domain for m in printed(project.templates_dir, handout) if m.key[0] == msgid)
    return catalog_path(project.locales_dir, code, domain)
