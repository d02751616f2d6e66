"""The English leaflet text is plain language: US grade 8 or below."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyphen import Pyphen

from handouts.domains import handout_names, printed

ROOT = Path(__file__).parent.parent
GRADE = 8.0


def flesch_kincaid_grade(text: str) -> float:
    """Flesch-Kincaid grade level, syllables counted by pyphen (WeasyPrint's hyphenator).

    0.39 × words per sentence + 11.8 × syllables per word - 15.59, as textstat
    computes it; textstat itself needs setuptools' removed pkg_resources.
    """
    dictionary = Pyphen(lang="en_US")
    sentences = [s for s in re.split(r"[.!?]+", text) if len(s.split()) > 0]
    words = re.sub(r"[^\w\s'-]", "", text).split()
    syllables = sum(len(dictionary.positions(word)) + 1 for word in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syllables / len(words) - 15.59


def test_the_grade_formula_matches_a_known_text() -> None:
    # 1 sentence, 6 words of one syllable: 0.39 * 6 + 11.8 * 1 - 15.59 = -1.45
    assert round(flesch_kincaid_grade("The cat sat on the mat."), 2) == -1.45
    # Longer words raise the grade.
    assert flesch_kincaid_grade("Psychological interventions are recommended.") > 12


@pytest.mark.parametrize("handout", handout_names(ROOT / "templates"))
def test_flesch_kincaid_grade(handout: str) -> None:
    messages = [m.key[0] for m in printed(ROOT / "templates", handout)]
    # Full sentences only: headings and labels would flatter the score.
    sentences = [m for m in messages if "%(" not in m and m.endswith(".")]
    assert len(sentences) >= 12
    grade = flesch_kincaid_grade(" ".join(sentences))
    assert grade <= GRADE, grade
