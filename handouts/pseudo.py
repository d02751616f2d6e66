"""Pseudo-locales: accented, 40 % longer English that shows layout problems early.

``pseudo`` (tag ``en-XA``) makes growth and untranslated text visible at once;
``pseudo-rtl`` (tag ``ar-XB``) lays the same text out right to left. They are
built in memory from the English catalog and never shipped.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from babel import Locale

from .catalog import GENERATED_LANGUAGES, Language, LoadedCatalog, PoCatalog
from .domains import Printed

PSEUDO = {"pseudo": ("en-XA", False), "pseudo-rtl": ("ar-XB", True)}
GENERATED_LANGUAGES.update(PSEUDO)
GROWTH = 0.4
_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĻḾÑÖÞǪŔŠŢÛṼŴẊÝŽ")
# Placeholders, %% and tags stay exactly as they are.
_KEEP = re.compile(r"(%\(\w+\)[a-z]|%%|<[^>]*>)")
_FILLER = "ļöŕéɱ îþšûɱ đöļöŕ šîţ åɱéţ çöñšéçţéţûŕ åđîþîšçîñĝ éļîţ "


def pseudo_text(text: str) -> str:
    """``[Ŧŕéåţɱéñţ öƒ … ļöŕéɱ îþšûɱ]``: accented, bracketed, about 40 % longer."""
    parts = _KEEP.split(text)
    accented = "".join(p if i % 2 else p.translate(_ACCENTED) for i, p in enumerate(parts))
    visible = len(_KEEP.sub("", text))
    padding = math.ceil(visible * GROWTH) - 2
    filler = (_FILLER * (padding // len(_FILLER) + 1))[:max(padding, 0)].rstrip()
    return f"[{accented} {filler}]" if filler else f"[{accented}]"


def pseudo_catalog(messages: list[Printed], code: str, path: Path) -> LoadedCatalog:
    """Every message a leaflet prints, pseudo-translated, as language ``code``."""
    tag, rtl = PSEUDO[code]
    catalog = PoCatalog(locale="en", charset="utf-8")
    for message in messages:
        if isinstance(message.msgid, tuple):
            catalog.add(message.msgid, tuple(pseudo_text(s) for s in message.msgid),
                        context=message.context)
        else:
            catalog.add(message.msgid, pseudo_text(message.msgid), context=message.context)
    language = Language(code=code, locale=Locale("en"), bcp47=tag, rtl=rtl)
    return LoadedCatalog(path=path, catalog=catalog, headers={}, language=language)
