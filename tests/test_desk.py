"""The print desk (handouts/desk.py) through Flask's test client, with real workers.

Its leaflets are rendered by forked worker processes with the build's code and read
back with PDFium. Checked to fail (by hand, 3 December 2026): with the CSRF check
in ``_Desk.check_csrf`` returning early, ``test_personal_render_needs_the_form_token``
fails; with ``authorised`` always True, ``test_a_token_guards_every_request`` fails;
with the gate's decision ignored in ``_Desk.personal``,
``test_a_refused_leaflet_is_refused_on_the_page_with_the_reason`` fails.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import CLINIC, DATA, HANDOUT, ROOT
from limits import limited
from pdfread import lang, notdef_glyphs, text
from pdfua import languages
from texts import leaflet

from handouts.build import BuildReport
from handouts.cli import cli
from handouts.desk import CSP, DeskOptions, Library, create_app, running
from handouts.output import output_path
from handouts.project import Project

NO_FONT = "\U0001f9ff"  # an emoji no installed font draws (pdf.missing_glyph says so)


@pytest.fixture(scope="module")
def desk(built: tuple[Path, BuildReport]) -> Iterator[Any]:
    """The desk over the built fixture's output, with its clinic file."""
    app = create_app(Project(ROOT), DeskOptions(out=built[0], clinic=CLINIC, workers=2,
                                                queue=4))
    yield app
    app.extensions["desk"].close()


def form(client: Any, path: str = f"/leaflet/ar/{HANDOUT}") -> dict[str, str]:
    """The personal form's hidden fields, as the page gives them (the CSRF token too)."""
    page = client.get(path).get_data(as_text=True)
    hidden = re.findall(r'<input type="hidden" name="([a-z]+)" value="([^"]*)">', page)
    return dict(hidden)


def test_search_finds_a_language_by_english_name_native_name_and_code(desk: Any) -> None:
    client = desk.test_client()
    for query in ("Arabic", "العربية", "ar", "ARABIC"):
        page = client.get("/", query_string={"q": query}).get_data(as_text=True)
        found = page.split('id="found-languages"')[1].split("</section>")[0]
        assert f'href="/leaflet/ar/{HANDOUT}"' in found, query
        assert "/leaflet/es/" not in found
    page = client.get("/", query_string={"q": "espanol"}).get_data(as_text=True)
    assert f'href="/leaflet/es/{HANDOUT}"' in page.split('id="found-leaflets"')[0]


def test_search_finds_a_handout_by_its_title_in_english_or_the_patients_language(
        desk: Any) -> None:
    client = desk.test_client()
    page = client.get("/", query_string={"q": "stockholm syndrome is treated"}).get_data(
        as_text=True)
    leaflets = page.split('id="found-leaflets"')[1]
    assert f'href="/leaflet/en/{HANDOUT}"' in leaflets
    page = client.get("/", query_string={"q": "síndrome de Estocolmo"}).get_data(as_text=True)
    leaflets = page.split('id="found-leaflets"')[1].split("</section>")[0]
    assert f'href="/leaflet/es/{HANDOUT}"' in leaflets and "/leaflet/en/" not in leaflets


def test_every_shipped_language_and_status_is_listed(desk: Any) -> None:
    page = desk.test_client().get("/").get_data(as_text=True)
    table = page.split("<tbody>")[1]
    library = desk.extensions["desk"].library
    assert table.count("<tr>") == len(library.languages()) == 16
    assert table.count(">published</a>") == 16 * len(library.handouts())


def test_the_paper_defaults_to_the_clinic_files(built: tuple[Path, BuildReport]) -> None:
    app = create_app(Project(ROOT), DeskOptions(out=built[0], clinic=DATA / "clinic" /
                                                "letter.toml", workers=1, queue=0))
    try:
        page = app.test_client().get(f"/leaflet/es/{HANDOUT}").get_data(as_text=True)
    finally:
        app.extensions["desk"].close()
    assert '<option value="letter" selected>' in page
    assert '<input type="hidden" name="paper" value="letter">' in page


def counted(desk: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The digests the desk's workers are asked to render (they still render)."""
    renders = desk.extensions["desk"].renders
    calls: list[str] = []
    real = renders.render

    def render(job: Any) -> Any:
        calls.append(job.digest)
        return real(job)

    monkeypatch.setattr(renders, "render", render)
    return calls


def test_a_leaflet_without_personal_details_comes_from_the_build_output(
        desk: Any, built: tuple[Path, BuildReport], monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted(desk, monkeypatch)
    for code in ("es", "ar", "zh_CN"):
        response = desk.test_client().get(f"/pdf/{code}/{HANDOUT}", query_string={
            "paper": "letter", "format": "standard"})
        assert response.data == output_path(built[0], code, HANDOUT, "letter").read_bytes()
    assert calls == []  # not one render: the build output was up to date
    response = desk.test_client().get(f"/pdf/es/{HANDOUT}",
                                      query_string={"paper": "a4", "format": "standard"})
    assert response.status_code == 200
    assert response.data == output_path(built[0], "es", HANDOUT, "a4").read_bytes()
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="{HANDOUT}-a4.pdf"')


def test_an_unbuilt_leaflet_is_rendered_once_then_cached(
        desk: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted(desk, monkeypatch)
    client = desk.test_client()
    documents = desk.extensions["desk"].documents
    query = {"paper": "a4", "format": "large-print", "download": "1"}
    first = client.get(f"/pdf/fr/{HANDOUT}", query_string=query)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert first.headers["Content-Disposition"] == (
        f'attachment; filename="{HANDOUT}-a4-large-print.pdf"')
    cached = set(documents.cache)
    assert len(cached) >= 1
    assert client.get(f"/pdf/fr/{HANDOUT}", query_string=query).data == first.data
    assert set(documents.cache) == cached
    assert len(calls) == 1


def test_personal_details_print_in_the_box_on_page_1(desk: Any, tmp_path: Path) -> None:
    client = desk.test_client()
    fields = form(client) | {"name": "ليلى حسن", "clinician": "Dr Amal Haddad",
                             "appointment": "2026-12-18T09:30",
                             "note": "احضري قائمة أدويتك.\nLine two <b>not bold</b>",
                             "action": "print"}
    response = client.post(f"/personal/ar/{HANDOUT}", data=fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("inline;")
    pdf = tmp_path / "personal.pdf"
    pdf.write_bytes(response.data)
    page_1 = text(pdf).split("\n")
    body = " ".join(page_1)
    for value in ("ليلى حسن", "Dr Amal Haddad", "احضري قائمة أدويتك", "<b>not bold</b>",
                  "الموعد القادم", "18 ديسمبر", "2026", "9:30"):
        assert value in body, value
    assert notdef_glyphs(pdf) == []


def test_details_that_overrun_a_standard_leaflet_point_to_large_print(desk: Any) -> None:
    """Persian's treatment leaflet fills its two Letter pages at Latin's visual size:
    even a name alone makes it three. Staff are told what to do, and large print,
    with six pages, takes the box."""
    client = desk.test_client()
    fields = form(client, f"/leaflet/fa/{HANDOUT}") | {
        "name": "علی رضایی", "action": "print", "paper": "letter"}
    refused = client.post(f"/personal/fa/{HANDOUT}", data=fields)
    assert refused.status_code == 400
    assert (f"With the personal details, {HANDOUT} (standard, letter) is 3 pages; the limit"
            " is 2. Choose large print, or print it without them.") in refused.get_data(
                as_text=True)
    noted = client.post(f"/personal/fa/{HANDOUT}", data=fields | {"note": "ناشتا بخورید."})
    assert "is 3 pages; the limit is 2. Shorten the note, or choose large print." in (
        noted.get_data(as_text=True))
    large = client.post(f"/personal/fa/{HANDOUT}", data=fields | {"format": "large-print"})
    assert large.status_code == 200, large.get_data(as_text=True)


def test_preview_shows_page_1_inline_and_caches_nothing(
        desk: Any, built: tuple[Path, BuildReport]) -> None:
    client = desk.test_client()
    cached = dict(desk.extensions["desk"].documents.cache)
    files = sorted(built[0].rglob("*"))
    response = client.post(f"/personal/es/{HANDOUT}",
                           data=form(client, f"/leaflet/es/{HANDOUT}") | {
                               "name": "Ana Pérez", "action": "preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert '<img src="data:image/png;base64,' in page
    assert 'value="Ana Pérez"' in page  # the form keeps what was typed, for Print
    assert desk.extensions["desk"].documents.cache == cached
    assert sorted(built[0].rglob("*")) == files


def test_a_clinic_number_in_the_note_does_not_stop_the_print(desk: Any) -> None:
    """The safety check counts the clinic's numbers on the page; the note's are its own."""
    client = desk.test_client()
    response = client.post(f"/personal/es/{HANDOUT}", data=form(
        client, f"/leaflet/es/{HANDOUT}") | {"note": "Llame al +1 555 0100 o al 911.",
                                             "action": "print"})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_personal_render_needs_the_form_token(desk: Any) -> None:
    client = desk.test_client()
    fields = form(client) | {"name": "X", "action": "print"}
    planted = desk.test_client()  # a cookie it did not sign, planted from elsewhere
    planted.set_cookie("desk_csrf", "nonce.signature")
    refused = planted.post(f"/personal/ar/{HANDOUT}", data=fields | {
        "csrf": "nonce.signature"})
    assert refused.status_code == 400
    for token in (None, "", "forged" * 8):
        data = {k: v for k, v in fields.items() if k != "csrf"}
        if token is not None:
            data["csrf"] = token
        response = client.post(f"/personal/ar/{HANDOUT}", data=data)
        assert response.status_code == 400
        assert ("This form has expired or came from another page; go back, reload the page"
                " and try again.") in response.get_data(as_text=True)
    assert client.get(f"/personal/ar/{HANDOUT}").status_code == 405


@pytest.mark.parametrize(("fields", "message"), [
    ({"note": "x" * 301}, "Note is 301 characters long; the limit is 300. Shorten it."),
    ({"name": "Ana\u202eZ"}, "Patient&#39;s name contains U+202E, a control or invisible"
                             " formatting character that can reorder or hide text on paper;"
                             " retype it."),
    ({"clinician": "Dr\u200bX"}, "Clinician contains U+200B"),
    ({"appointment": "tomorrow"}, "Next appointment must be a date and time such as"
                                  " 2026-12-03T14:30."),
    ({"appointment": "1999-01-01T10:00"}, "Next appointment must be between 2000 and 2099."),
    ({"appointment": "2026-12-03"}, "Next appointment must be a date and time such as"
                                    " 2026-12-03T14:30."),
    ({"note": f"Take care {NO_FONT}"}, "The personal details contain U+1F9FF, which no"
                                       " installed font can print; remove it."),
    ({"paper": "a3"}, "Choose a paper, a format and a second language from the lists."),
    ({"format": "bilingual", "second": "xx"},
     "Choose a paper, a format and a second language from the lists."),
])
def test_bad_input_is_a_clear_message_on_the_page(desk: Any, fields: dict[str, str],
                                                  message: str) -> None:
    client = desk.test_client()
    response = client.post(f"/personal/ar/{HANDOUT}",
                           data=form(client) | {"action": "print"} | fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "Traceback" not in page


def test_a_form_of_10_kb_is_refused_with_a_message(desk: Any) -> None:
    client = desk.test_client()
    response = client.post(f"/personal/ar/{HANDOUT}",
                           data=form(client) | {"note": "x" * 20_000, "action": "print"})
    assert response.status_code == 413
    assert "The form is larger than 16 KB; shorten the note." in response.get_data(as_text=True)


UNKNOWN = ("/leaflet/xx/" + HANDOUT, "/leaflet/ar/nope", "/pdf/ar/../../etc",
           "/gallery/../pyproject.toml", "/gallery/.handouts-manifest.json",
           "/gallery/ar/x.py", "/gallery/%2e%2e/outside.pdf", "/gallery/../outside.pdf",
           "/gallery/.hidden.pdf", "/gallery/xx/nope-a4.pdf")


def test_unknown_languages_handouts_and_files_are_404(
        built: tuple[Path, BuildReport], tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "es").mkdir(parents=True)
    shutil.copy(output_path(built[0], "es", HANDOUT, "a4"), out / "es")
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-1.7 not the output's")
    (out / ".hidden.pdf").write_bytes(b"%PDF-1.7 hidden")
    app = create_app(Project(ROOT), DeskOptions(out=out, workers=1, queue=0))
    try:
        client = app.test_client()
        with client.get(f"/gallery/es/{HANDOUT}-a4.pdf") as published:
            assert published.status_code == 200
        refused = [path for path in UNKNOWN if client.get(path).status_code != 404]
        assert refused == []
        assert "There is no such page." in client.get(UNKNOWN[0]).get_data(as_text=True)
    finally:
        app.extensions["desk"].close()


def test_without_a_token_only_this_machines_names_are_answered(desk: Any) -> None:
    client = desk.test_client()
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    rebound = client.get("/", headers={"Host": "attacker.example:8000"})
    assert rebound.status_code == 400


def test_security_headers_on_every_answer(desk: Any) -> None:
    client = desk.test_client()
    for path in ("/", f"/leaflet/ar/{HANDOUT}", "/static/desk.css", "/nowhere",
                 f"/pdf/es/{HANDOUT}"):
        with client.get(path) as response:
            assert response.headers["Content-Security-Policy"] == CSP
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src" not in CSP and "unsafe-inline" not in CSP
    assert "frame-ancestors 'none'" in CSP
    page = client.get(f"/leaflet/ar/{HANDOUT}").get_data(as_text=True)
    assert "<script" not in page and " style=" not in page


def test_a_full_queue_answers_503_with_retry_after(desk: Any) -> None:
    client = desk.test_client()
    fields = form(client) | {"name": "Queue", "action": "print"}
    slots = desk.extensions["desk"].renders.slots
    taken = 0
    while slots.acquire(blocking=False):  # every worker and queue place busy
        taken += 1
    try:
        response = client.post(f"/personal/ar/{HANDOUT}", data=fields)
    finally:
        for _ in range(taken):
            slots.release()
    assert taken == 2 + 4
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert "Every print worker is busy; try again in a few seconds." in response.get_data(
        as_text=True)
    assert client.post(f"/personal/ar/{HANDOUT}", data=fields).status_code == 200


@pytest.mark.parametrize(("behaviour", "message", "status"), [
    ("slow", "The leaflet with the personal details took more than 1 s to lay out; not"
             " published. Shorten the note, or print without the personal details.", 400),
    ("greedy", "The leaflet with the personal details needed more than 1024 MB of memory;"
               " not published. Shorten the note, or print without the personal details.",
     400),
    ("stuck", "The leaflet took too long to render; try again, or print it without the"
              " personal details.", 503),
])
def test_a_personalised_leaflet_has_the_builds_time_and_memory_limits(
        built: tuple[Path, BuildReport], monkeypatch: pytest.MonkeyPatch, behaviour: str,
        message: str, status: int) -> None:
    limited(monkeypatch, behaviour)  # before the pool forks: the workers inherit it
    app = create_app(Project(ROOT), DeskOptions(out=built[0], workers=1, queue=1))
    try:
        client = app.test_client()
        response = client.post(f"/personal/es/{HANDOUT}", data=form(
            client, f"/leaflet/es/{HANDOUT}") | {"name": "X", "action": "print"})
        assert (response.status_code, message in response.get_data(as_text=True)) == (
            status, True), response.get_data(as_text=True)
        # The next patient is served: a new worker, or a new pool.
        response = client.post(f"/personal/ar/{HANDOUT}", data=form(client) | {
            "name": "Y", "action": "print"})
        assert response.status_code == 200
    finally:
        app.extensions["desk"].close()


def test_over_http_a_full_queue_is_answered_at_once(
        built: tuple[Path, BuildReport], monkeypatch: pytest.MonkeyPatch) -> None:
    """Through waitress: one slot, held by a slow Spanish render; the next is 503 now."""
    import threading
    import time
    import urllib.error
    import urllib.request

    limited(monkeypatch, "slow")  # the Spanish render holds its worker for 1 s
    with running(Project(ROOT), DeskOptions(out=built[0], workers=1, queue=0)) as url:
        results: list[int] = []

        def fetch(path: str) -> None:
            try:
                with urllib.request.urlopen(url + path, timeout=60) as answer:
                    results.append(answer.status)
            except urllib.error.HTTPError as exc:
                results.append(exc.code)

        slow = threading.Thread(target=fetch, args=(
            f"/pdf/es/{HANDOUT}?paper=a4&format=large-print",))
        slow.start()
        time.sleep(0.4)
        fetch(f"/pdf/ar/{HANDOUT}?paper=a4&format=large-print")
        slow.join()
    # One is answered 503 while the other holds the only slot, not queued behind it:
    # the Arabic one (the Spanish then hits its time limit, 400) or, on a machine slow
    # enough that the Arabic one came first, the Spanish one.
    assert sorted(results) in ([400, 503], [200, 503])


def test_a_stuck_worker_does_not_take_the_next_patient_down(
        built: tuple[Path, BuildReport], monkeypatch: pytest.MonkeyPatch) -> None:
    """One worker, stuck on a Spanish leaflet; an Arabic one waits behind it. When the
    stuck pool is replaced, the Arabic one is rendered by the new pool at once."""
    import threading
    import time
    import urllib.error
    import urllib.request

    limited(monkeypatch, "stuck")  # 1 s to render, 2 s of grace: replaced after 3 s
    with running(Project(ROOT), DeskOptions(out=built[0], workers=1, queue=1)) as url:
        results: dict[str, int] = {}

        def fetch(code: str) -> None:
            try:
                with urllib.request.urlopen(
                        f"{url}/pdf/{code}/{HANDOUT}?paper=a4&format=large-print",
                        timeout=60) as answer:
                    status = answer.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            results[code] = status

        stuck = threading.Thread(target=fetch, args=("es",))
        stuck.start()
        time.sleep(0.5)
        fetch("ar")
        stuck.join()
    assert results == {"es": 503, "ar": 200}  # before: 503 for both


def test_a_token_guards_every_request(built: tuple[Path, BuildReport]) -> None:
    token = "a-long-enough-access-code"
    app = create_app(Project(ROOT), DeskOptions(out=built[0], token=token, workers=1,
                                                queue=0))
    try:
        client = app.test_client()
        assert client.get("/").headers["Location"] == "/login"
        assert client.get(f"/pdf/es/{HANDOUT}").status_code == 302
        assert client.post(f"/personal/es/{HANDOUT}").status_code == 401
        wrong = client.post("/login", data={"token": "a-long-enough-access-codf"})
        assert wrong.status_code == 403
        assert "That is not the print desk&#39;s access code." in wrong.get_data(as_text=True)
        assert client.get("/").status_code == 302
        assert client.post("/login", data={"token": token}).status_code == 302
        assert client.get("/").status_code == 200  # the session cookie
        other = app.test_client()
        assert other.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert other.get("/", headers={"Authorization": "Bearer nope"}).status_code == 302
    finally:
        app.extensions["desk"].close()


def test_serve_refuses_the_network_without_a_token(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(ROOT), "serve", "--host", "0.0.0.0",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: --host 0.0.0.0 opens the print desk to the network; give an access code"
        " with --token-file FILE (or keep the default, 127.0.0.1)\n")
    short = tmp_path / "token"
    short.write_text("short\n")
    result = CliRunner().invoke(cli, ["--project", str(ROOT), "serve", "--host", "0.0.0.0",
                                      "--token-file", str(short), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{short}: the token must be one line of at least 16 printable characters" in (
        result.output)


def test_a_refused_leaflet_is_refused_on_the_page_with_the_reason(
        project_copy: Project, tmp_path: Path) -> None:
    po = project_copy.locales_dir / "fr" / "LC_MESSAGES" / f"{HANDOUT}.po"
    text_ = po.read_text("utf-8")
    first = re.search(r'(msgid "[^"]+"\nmsgstr )"[^"]+"', text_)
    assert first is not None
    po.write_text(text_.replace(first[0], first[1] + '""', 1), "utf-8")
    app = create_app(project_copy, DeskOptions(out=tmp_path, workers=1, queue=0))
    try:
        client = app.test_client()
        page = client.get(f"/leaflet/fr/{HANDOUT}").get_data(as_text=True)
        assert "Not available: held back: stockholm-syndrome-treatment has 1 untranslated" in page
        assert "/preview/fr/" not in page
        assert client.get(f"/pdf/fr/{HANDOUT}").status_code == 404
        stale = output_path(tmp_path, "fr", HANDOUT, "a4")  # built before the edit
        stale.parent.mkdir(parents=True)
        stale.write_bytes(b"%PDF-1.7 stale")
        assert client.get(f"/gallery/fr/{stale.name}").status_code == 404
        fields = form(client, f"/leaflet/es/{HANDOUT}") | {"name": "X", "action": "print"}
        refused = client.post(f"/personal/fr/{HANDOUT}", data=fields)
        assert refused.status_code == 400
        assert "held back" in refused.get_data(as_text=True)
        second = client.post(f"/personal/es/{HANDOUT}", data=fields | {
            "format": "bilingual", "second": "fr"})
        assert second.status_code == 400
        assert ("The second language (fr) is not available: held back: stockholm-syndrome"
                "-treatment has 1 untranslated") in second.get_data(as_text=True)
    finally:
        app.extensions["desk"].close()
    # With --allow-incomplete the desk prints what build --allow-incomplete prints.
    app = create_app(project_copy, DeskOptions(out=tmp_path, workers=1, queue=0,
                                               allow_incomplete=True))
    try:
        client = app.test_client()
        assert "status: draft" in client.get(f"/leaflet/fr/{HANDOUT}").get_data(as_text=True)
        response = client.post(f"/personal/fr/{HANDOUT}", data=form(
            client, f"/leaflet/fr/{HANDOUT}") | {"name": "X", "action": "print"})
        assert response.status_code == 200
        pdf = tmp_path / "draft.pdf"
        pdf.write_bytes(response.data)
        banner = leaflet(project_copy, "fr").translations.gettext(
            "Incomplete translation: some text is shown in English.")
        assert banner in text(pdf)
    finally:
        app.extensions["desk"].close()


def test_a_bilingual_leaflet_takes_any_shipped_second_language(desk: Any, tmp_path: Path
                                                               ) -> None:
    client = desk.test_client()
    query = {"paper": "a4", "format": "bilingual", "second": "es"}
    response = client.get(f"/pdf/ar/{HANDOUT}", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="{HANDOUT}-a4-bilingual-es.pdf"')
    pdf = tmp_path / "ar-es.pdf"
    pdf.write_bytes(response.data)
    body = text(pdf)
    spanish = leaflet(Project(ROOT), "es").translations.gettext("Get help now")
    arabic = leaflet(Project(ROOT), "ar").translations.gettext("Get help now")
    assert body.count(spanish) == 1 and body.count(arabic) == 1
    assert "español · الإسبانية" in body
    assert "Get help now" not in body  # no English
    assert languages(pdf) == {"es"} and lang(pdf) == "ar"  # the parts' and the document's
    page = client.get(f"/leaflet/ar/{HANDOUT}", query_string=query).get_data(as_text=True)
    assert '<option value="es" selected>Spanish</option>' in page
    assert '<option value="ar"' not in page  # not the leaflet's own language
    same = client.get(f"/pdf/ar/{HANDOUT}", query_string=query | {"second": "ar"})
    assert same.status_code == 400
    assert "Choose a second language other than the leaflet&#39;s own." in same.get_data(
        as_text=True)


def test_library_titles_are_in_each_language() -> None:
    library = Library(Project(ROOT), DeskOptions(out=ROOT / "output"))
    assert library.title("en", HANDOUT) == "How Stockholm syndrome is treated"
    assert library.title("es", HANDOUT).startswith("Cómo se trata")
