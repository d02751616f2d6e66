"""The personal block: what clinic staff add for one patient at the print desk.

A patient's name, the clinician, the next appointment and a short note print in a
marked box on page 1 of one leaflet. They are typed by hand, so they are validated
as strictly as the clinic file; they are never written anywhere (docs/PRINT_DESK.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from .clinic import refused_character
from .errors import PersonalError

MAX_LENGTH = {"name": 80, "clinician": 80, "note": 300}
MAX_NOTE_LINES = 6
LABELS = {"name": "Patient's name", "clinician": "Clinician", "appointment": "Next appointment",
          "note": "Note"}
FIELDS = tuple(LABELS)
EARLIEST, LATEST = 2000, 2099  # appointment years


@dataclass(frozen=True)
class Personal:
    """One patient's details; empty fields print nothing."""

    name: str = ""
    clinician: str = ""
    appointment: dt.datetime | None = None
    note: str = ""

    def __bool__(self) -> bool:
        return bool(self.name or self.clinician or self.appointment or self.note)

    @property
    def note_lines(self) -> list[str]:
        return self.note.split("\n") if self.note else []


def parse_personal(form: Mapping[str, str]) -> Personal:
    """The personal block from a form's fields (missing ones are empty).

    Raises :class:`PersonalError` naming the field and what to change. Nothing the
    staff typed is quoted in the message: messages may be logged.
    """
    values: dict[str, str] = {}
    for key in ("name", "clinician", "note"):
        value = form.get(key, "") or ""
        label = LABELS[key]
        # A textarea sends CRLF; the note's lines are kept, blank ones dropped.
        lines = value.replace("\r\n", "\n").split("\n") if key == "note" else [value]
        refused = next(filter(None, (refused_character(line, joiners=True)
                                     for line in lines)), None)
        if refused:
            raise PersonalError(f"{label} contains U+{ord(refused):04X}, a control or invisible"
                                " formatting character that can reorder or hide text on paper;"
                                " retype it")
        # Runs of spaces (no-break and ideographic ones too) become one space.
        value = "\n".join(" ".join(line.split()) for line in lines if line.split())
        if len(value) > MAX_LENGTH[key]:
            raise PersonalError(f"{label} is {len(value)} characters long; the limit is"
                                f" {MAX_LENGTH[key]}. Shorten it")
        if key == "note" and value.count("\n") >= MAX_NOTE_LINES:
            raise PersonalError(f"{label} has {value.count(chr(10)) + 1} lines; the limit is"
                                f" {MAX_NOTE_LINES}")
        values[key] = value
    return Personal(**values, appointment=_appointment(form.get("appointment", "") or ""))


def _appointment(value: str) -> dt.datetime | None:
    """A browser's ``datetime-local`` value, 2026-12-03T14:30 (seconds allowed)."""
    value = value.strip()
    if not value:
        return None
    label = LABELS["appointment"]
    try:  # a date alone would print as midnight: the time is required
        when = (dt.datetime.fromisoformat(value)
                if len(value) <= 19 and "T" in value else None)
    except ValueError:
        when = None
    if when is None or when.tzinfo is not None:
        raise PersonalError(f"{label} must be a date and time such as 2026-12-03T14:30")
    if not EARLIEST <= when.year <= LATEST:
        raise PersonalError(f"{label} must be between {EARLIEST} and {LATEST}")
    return when.replace(second=0, microsecond=0)
