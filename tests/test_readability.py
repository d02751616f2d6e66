"""The English leaflet text is plain language: US grade 8 or below."""

from __future__ import annotations

from pathlib import Path

import textstat
from babel.messages.pofile import read_po

POT = Path(__file__).parent.parent / "locales" / "handouts.pot"
GRADE = 8.0


def test_flesch_kincaid_grade() -> None:
    with POT.open("rb") as fh:
        catalog = read_po(fh)
    # Full sentences only: headings and labels would flatter the score.
    sentences = [m.id for m in catalog if m.id and "%(" not in m.id and m.id.endswith(".")]
    assert len(sentences) >= 12
    grade = textstat.flesch_kincaid_grade(" ".join(sentences))
    assert grade <= GRADE, grade
