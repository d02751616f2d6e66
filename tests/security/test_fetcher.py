"""The sandboxed URL fetcher: allow-listed local files and data: URIs only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from handouts.errors import RenderError
from handouts.pdf import Renderer

ROOT = Path(__file__).parent.parent.parent
DATA = Path(__file__).parent.parent / "data"
PNG_1PX = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNg"
           "YGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(ROOT / "templates", ROOT / "templates" / "print.css",
                    [DATA / "clinic" / "logo.svg"])


def page(body: str) -> str:
    return f'<html lang="en"><head><title>t</title></head><body><p>x</p>{body}</body></html>'


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file:///etc/hostname",
    "file:///dev/zero",
    "file:///proc/self/environ",
    "http://127.0.0.1:9/x.png",
    "https://example.org/x.png",
    "ftp://example.org/x.png",
    f"file://{ROOT}/pyproject.toml",
    f"file://{ROOT}/templates/../pyproject.toml",
    f"file://{DATA}/clinic/clinic.toml",
])
@pytest.mark.parametrize("tag", ['<img src="{}">', '<link rel="stylesheet" href="{}">',
                                 '<link rel="attachment" href="{}">'])
def test_blocked(renderer: Renderer, url: str, tag: str) -> None:
    before = len(renderer.fetcher.fetched)
    with pytest.raises(RenderError) as info:
        renderer.render(page(tag.format(url)))
    assert "blocked a request for" in str(info.value) or "WeasyPrint" in str(info.value)
    assert renderer.fetcher.fetched[before:] == [url]


def test_symlink_out_of_templates_is_blocked(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    link = templates / "partials" / "link.png"
    link.symlink_to("/etc/passwd")
    sandboxed = Renderer(templates, templates / "print.css")
    with pytest.raises(RenderError) as info:
        sandboxed.render(page(f'<img src="{link.as_uri()}" alt="x">'))
    assert "blocked a request for" in str(info.value)


@pytest.mark.parametrize("src", [PNG_1PX, (DATA / "clinic" / "logo.svg").as_uri()])
def test_allowed(renderer: Renderer, src: str) -> None:
    data, pages = renderer.render(page(f'<img src="{src}" alt="logo">'))
    assert data.startswith(b"%PDF-") and pages == 1
