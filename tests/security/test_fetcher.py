"""The sandboxed URL fetcher: allow-listed local files and data: URIs only.

Checked to fail (by hand, 2 December 2026): with ``SandboxFetcher.allows`` changed to allow
every regular file, 19 of these 33 tests fail: the 18 local-file ``test_blocked`` cases (6
files x 3 tags; /dev/zero is no regular file, so it stays blocked) and the symlink test. The
network cases are refused by the scheme rule, which that change leaves in place. A blocked
request must give exactly the fetcher's message, not any WeasyPrint error.
"""

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
BLOCKED = ("blocked a request for {}: only the project's templates and the clinic logo may be"
           " read")


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
    assert str(info.value) == BLOCKED.format(url)
    assert renderer.fetcher.fetched[before:] == [url]


def test_symlink_out_of_templates_is_blocked(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    link = templates / "partials" / "link.png"
    link.symlink_to("/etc/passwd")
    sandboxed = Renderer(templates, templates / "print.css")
    with pytest.raises(RenderError) as info:
        sandboxed.render(page(f'<img src="{link.as_uri()}" alt="x">'))
    assert str(info.value) == BLOCKED.format(link.as_uri())


@pytest.mark.parametrize("src", [PNG_1PX, (DATA / "clinic" / "logo.svg").as_uri()])
def test_allowed(renderer: Renderer, src: str) -> None:
    data, pages = renderer.render(page(f'<img src="{src}" alt="logo">'))
    assert data.startswith(b"%PDF-") and pages == 1
