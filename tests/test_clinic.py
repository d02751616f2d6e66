"""The clinic TOML file: typed by staff, so every mistake gets a one-line answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts.clinic import load_clinic
from handouts.errors import ClinicError

DATA = Path(__file__).parent / "data" / "clinic"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "clinic.toml"
    path.write_text(body, "utf-8")
    return path


def test_example_and_fixture_load() -> None:
    example = load_clinic(Path(__file__).parent.parent / "clinic.example.toml")
    assert example.name == "Riverside Family Clinic" and example.logo is None
    clinic = load_clinic(DATA / "clinic.toml")
    assert clinic.logo == (DATA / "logo.svg").resolve()
    assert clinic.phone == "+1 555 0100"
    assert clinic.urdu_style == "naskh"
    assert load_clinic(DATA / "nastaliq.toml").urdu_style == "nastaliq"


@pytest.mark.parametrize(("body", "message"), [
    ('phone = "1"\n', 'missing key "name" (for example: name = "…")'),
    ('name = "A"\nfax = "1"\n', "unknown key 'fax'; allowed keys: name, address, phone,"
                                " emergency, website, logo, urdu_style, paper"),
    ('name = "A"\nurdu_style = "Fancy"\n', '"urdu_style" must be "naskh" or "nastaliq", not'
                                          " 'Fancy'"),
    ("name = 42\n", '"name" must be text in quotes, not int'),
    ('name = ""\n', '"name" is empty; remove the line or fill it in'),
    (f'name = "{"x" * 121}"\n', '"name" is 121 characters long; the limit is 120'),
    ('name = "A\\nB"\n', '"name" contains U+000A, a control, line break or invisible'
                           " formatting character that can reorder or hide text on paper;"
                           " retype it"),
    ('name = "A\\u202eB"\n', '"name" contains U+202E, a control, line break or invisible'
                              " formatting character that can reorder or hide text on paper;"
                              " retype it"),
    ('name = "A"\nlogo = "missing.png"\n', 'logo "missing.png" not found at {dir}/missing.png'),
    ('name = "A"\nlogo = "../x.png"\n', 'logo "../x.png" is outside the clinic file\'s folder'
                                        " {dir}"),
    ('name = "A"\nlogo = "clinic.toml"\n', 'logo "clinic.toml" must be a .png or .svg file'),
])
def test_invalid(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ClinicError) as info:
        load_clinic(path)
    assert str(info.value) == f"{path}: " + message.format(dir=tmp_path.resolve())


def test_invalid_toml_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "A"\nphone = +1 555\n')
    with pytest.raises(ClinicError) as info:
        load_clinic(path)
    assert str(info.value).startswith(f"{path}:2: invalid TOML: ")


def test_logo_that_is_not_an_image() -> None:
    path = DATA / "fake-logo.toml"
    with pytest.raises(ClinicError) as info:
        load_clinic(path)
    assert str(info.value) == f'{path}: logo "fake.png" is not a valid PNG image'


def test_byte_order_mark_from_notepad_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_bytes('\ufeffname = "Clínica"\n'.encode())
    assert load_clinic(path).name == "Clínica"
