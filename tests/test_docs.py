"""kg docs: the offline reference, written by the real command and read in headless Chromium.

Expected values are taken by hand from data/*.ttl: kg:limited-access-to-financing has the
alternative label "lack of finance", and kg:small-scale-producers ssp:faces it with evidence
in section 4, paragraph 1, anchored on "Limited access to financing often constrains".
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import ARTIFACTS, REPO, TURTLE_PREFIXES

KG = "https://w3id.org/ssp-kg/id/"
SSP = "https://w3id.org/ssp-kg/ontology#"
FINANCING = KG + "limited-access-to-financing"
HOSTILE_LABEL = "<img src=x onerror=alert(1)>"
HOSTILE_DEFINITION = "</script><script>window.__pwned=2</script> & more"
# The only absolute URLs the files' own code may hold: the SVG namespace (the view's swatches).
ALLOWED_URLS = {"http://www.w3.org/2000/svg"}

HOSTILE_TTL = TURTLE_PREFIXES + f"""\

ex:Thing a owl:Class ; rdfs:subClassOf skos:Concept ; rdfs:label "<b>thing</b>" .
ex:links a owl:ObjectProperty ; rdfs:label "links <i>to</i>" ;
    rdfs:domain ex:Thing ; rdfs:range ex:Thing .
ex:bad a ex:Thing ; skos:prefLabel "{HOSTILE_LABEL}" ;
    skos:altLabel "quite harmless" ;
    skos:definition "{HOSTILE_DEFINITION}" .
ex:good a ex:Thing ; skos:prefLabel "a harmless neighbour" .
ex:bad ex:links ex:good .
[] a rdf:Statement ; rdf:subject ex:bad ; rdf:predicate ex:links ; rdf:object ex:good ;
    ssp:modality "hedged <script>" ;
    ssp:evidence [ a ssp:Evidence ; ssp:paragraph 3 ; ssp:anchor "an <em>anchor</em>" ] .
"""


def kg_docs(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``kg docs`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kg", "docs", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("docs") / "reference"
    done = kg_docs("-o", str(folder))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr and done.stdout == ""
    return folder


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    data = base / "hostile.ttl"
    data.write_text(HOSTILE_TTL, encoding="utf-8")
    folder = base / "reference"
    done = kg_docs("--data", str(data), "-o", str(folder))
    assert done.returncode == 0, done.stderr
    return folder


# --- The files ------------------------------------------------------------------------------


def test_the_reference_has_its_pages(reference: Path) -> None:
    names = set(tree(reference))
    assert {"index.html", "ontology.html", "view.html", "docs.css", "docs.js"} <= names
    assert "search-index.js" in names
    concepts = [n for n in names if n.startswith("concepts/")]
    # the README's count: 163 concepts of the article (second edition) and 3 modality values
    assert len(concepts) == 173
    assert "concepts/limited-access-to-financing.html" in names


def test_same_input_same_bytes(reference: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    done = kg_docs("-o", str(again))
    assert done.returncode == 0, done.stderr
    assert tree(again) == tree(reference)


def test_nothing_remote_and_a_csp_on_every_page(reference: Path) -> None:
    for name, data in tree(reference).items():
        text = data.decode("utf-8")
        assert not re.search(r"""\b(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
        assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", text, re.I), name
        assert "@import" not in text, name
        if name.endswith(".html"):
            csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
            assert csp, name
            assert "default-src 'none'" in csp.group(1)
            assert "unsafe-eval" not in csp.group(1)
        if name != "view.html" and name.endswith((".js", ".css")):
            assert set(re.findall(r"https?://[^\s\"'<>)]+", text)) <= ALLOWED_URLS, name


def test_ontology_page_documents_classes_and_properties(reference: Path) -> None:
    page = (reference / "ontology.html").read_text(encoding="utf-8")
    faces = re.search(r'<section class="term property" id="faces".*?</section>', page, re.S)
    assert faces, "no section for ssp:faces"
    text = re.sub(r"<[^>]+>", " ", faces.group(0))
    text = " ".join(text.split())
    assert "A producer meets this challenge in its work." in text
    assert "Domain producer" in text and "Range challenge" in text
    assert "Inverse faced by" in text
    mitigates = re.search(r'id="mitigates".*?</section>', page, re.S).group(0)
    for member in ("technology", "support measure", "capability", "practice", "trend"):
        assert f">{member}</a>" in mitigates  # the owl:unionOf domain, member by member
    challenge = re.search(r'id="FinancialChallenge".*?</section>', page, re.S).group(0)
    assert 'href="ontology.html#Challenge"' in challenge  # its superclass
    assert 'href="concepts/limited-access-to-financing.html"' in challenge  # its concepts


def test_concept_pages_show_the_hierarchy(reference: Path) -> None:
    # s4 p2: inconsistent raw-material sourcing is a logistical barrier.
    below = (reference / "concepts" / "inconsistent-raw-material-sourcing.html").read_text("utf-8")
    link = '<a href="../concepts/logistical-barriers.html"'
    assert re.search(r"<dt>Broader</dt><dd>" + re.escape(link), below)
    assert link in re.search(r'<nav class="crumbs".*?</nav>', below, re.S).group(0)
    above = (reference / "concepts" / "logistical-barriers.html").read_text("utf-8")
    narrower = re.search(r"<dt>Narrower</dt><dd>(.*?)</dd>", above, re.S).group(1)
    assert '<a href="../concepts/inconsistent-raw-material-sourcing.html"' in narrower
    index = (reference / "index.html").read_text("utf-8")
    assert 'id="hierarchy"' in index and 'id="a-z"' in index


def test_the_modality_column_shows_each_claims_modality(reference: Path, hostile: Path) -> None:
    page = (reference / "concepts" / "limited-access-to-financing.html").read_text("utf-8")
    # s4 p1: limited financing "often" constrains expansion: a possibility, not a fact.
    row = re.search(r'<tr[^>]*data-other="[^"]*production-expansion".*?</tr>', page, re.S)
    assert row and '<td class="modality">possibility</td>' in row.group(0)
    bad = next((hostile / "concepts").glob("*.html"))
    pages = [p.read_text("utf-8") for p in (hostile / "concepts").glob("*.html")]
    assert any('<td class="modality">hedged &lt;script&gt;</td>' in p for p in pages), bad


def test_hostile_text_is_escaped_in_the_files(hostile: Path) -> None:
    for name, data in tree(hostile).items():
        if name == "view.html":
            continue  # the view's own tests cover it
        text = data.decode("utf-8")
        assert "<img" not in text and "<script>window" not in text, name
        assert "<b>thing" not in text and "<em>anchor" not in text, name


def test_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("keep me", encoding="utf-8")
    done = kg_docs("-o", str(mine), "--no-view")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"kg: {mine}: is a folder kg did not write (it holds 'todo.txt'); give --force to"
        " replace it and everything in it, or choose another folder"
    ]
    assert (mine / "todo.txt").read_text(encoding="utf-8") == "keep me"
    # A reference with a file added to it is no longer only ours either.
    ours = tmp_path / "ours"
    assert kg_docs("-o", str(ours), "--no-view").returncode == 0
    (ours / "concepts" / "notes.txt").write_text("mine", encoding="utf-8")
    again = kg_docs("-o", str(ours), "--no-view")
    assert again.returncode == 2 and "is a folder kg did not write" in again.stderr
    forced = kg_docs("-o", str(mine), "--no-view", "--force")
    assert forced.returncode == 0, forced.stderr
    assert not (mine / "todo.txt").exists() and (mine / "index.html").is_file()
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    done = kg_docs("-o", str(afile), "--no-view")
    assert done.returncode == 2 and done.stderr.startswith(f"kg: {afile}: ")


def test_rewrites_its_own_folder_and_reads_user_data(tmp_path: Path) -> None:
    data = tmp_path / "hostile.ttl"
    data.write_text(HOSTILE_TTL, encoding="utf-8")
    folder = tmp_path / "ref"
    for _ in range(2):
        done = kg_docs("--data", str(data), "-o", str(folder), "--no-view")
        assert done.returncode == 0, done.stderr
    assert not (folder / "view.html").exists()
    for page in (folder / "concepts").glob("*.html"):
        assert "view.html" not in page.read_text(encoding="utf-8")  # no link to a missing view
    assert len(list((folder / "concepts").glob("*.html"))) == 2
    missing = kg_docs("--data", str(tmp_path / "nope.ttl"), "-o", str(tmp_path / "x"))
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()
    stdout = kg_docs("-o", "-")
    assert stdout.returncode == 2
    assert stdout.stderr == "kg: -o: kg docs writes a folder, not standard output\n"


def test_a_failed_write_leaves_the_previous_reference(tmp_path: Path, monkeypatch) -> None:
    import kg
    from kg.docs import write_reference
    from kg.errors import InputError

    data = tmp_path / "hostile.ttl"
    data.write_text(HOSTILE_TTL, encoding="utf-8")
    graph = kg.load([data])
    folder = tmp_path / "ref"
    write_reference(graph, folder, view=False)
    before = tree(folder)
    calls = {"n": 0}
    real = Path.write_bytes

    def failing(self: Path, payload: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(self, payload)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(InputError, match="cannot write: disk full"):  # one line, exit 2
        write_reference(graph, folder, title="a new title", view=False)
    monkeypatch.undo()
    assert tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.ttl", "ref"]  # no temp left
    write_reference(graph, folder, title="a new title", view=False)  # and it is still ours
    assert "a new title" in (folder / "index.html").read_text(encoding="utf-8")


def test_help_has_a_summary_and_examples() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kg", "docs", "--help"], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0
    assert "Examples:" in done.stdout
    assert "kg docs -o reference" in done.stdout
    listing = subprocess.run(
        [sys.executable, "-m", "kg", "--help"], capture_output=True, text=True, cwd=REPO
    ).stdout
    assert re.search(r"^\s+docs\s+Write a browsable offline HTML reference\.$", listing, re.M)


# --- In a real browser ---------------------------------------------------------------------


def wait_js(page, function: str, arg=None, timeout: float = 60.0) -> None:
    """Poll ``function`` until it returns true (wait_for_function needs eval, which CSP bars)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(function, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {function}")
        time.sleep(0.05)


class Browsed:
    """A browser tab on file:// pages: every other request is aborted and recorded."""

    def __init__(self, browser) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 860})
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("dialog", lambda dialog: (self.errors.append("dialog"), dialog.dismiss()))

    def _route(self, route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def open(self, path: Path, fragment: str = "") -> None:
        self.page.goto(path.resolve().as_uri() + fragment)
        self.wait_ready()

    def wait_ready(self) -> None:
        wait_js(self.page, "() => document.documentElement.getAttribute('data-ready') === 'true'")

    def clean(self) -> bool:
        return self.requests == [] and self.errors == []


@pytest.fixture
def browsed(chromium):
    tabs: list[Browsed] = []

    def open_() -> Browsed:
        tabs.append(Browsed(chromium))
        return tabs[-1]

    yield open_
    for tab in tabs:
        tab.context.close()


@pytest.mark.browser
def test_search_by_alt_label_goes_to_the_concept(reference: Path, browsed) -> None:
    tab = browsed()
    tab.open(reference / "index.html")
    tab.page.fill("#kg-search", "lack of fin")
    first = tab.page.locator("#kg-search-results li").first
    assert first.locator(".label").inner_text() == "limited access to financing"
    assert first.locator(".alt").inner_text() == "also called lack of finance"
    tab.page.press("#kg-search", "Enter")
    tab.page.wait_for_url("**/concepts/limited-access-to-financing.html")
    tab.wait_ready()
    assert tab.page.locator("h1").inner_text() == "limited access to financing"
    assert "lack of finance" in tab.page.locator(".alt-labels").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "docs-concept.png"), full_page=True)
    assert tab.clean(), (tab.requests, tab.errors)


@pytest.mark.browser
def test_concept_page_lists_relations_with_their_evidence(reference: Path, browsed) -> None:
    tab = browsed()
    tab.open(reference / "concepts" / "limited-access-to-financing.html")
    faced = tab.page.locator(
        f'tr.link.in[data-predicate="{SSP}faces"][data-other="{KG}small-scale-producers"]'
    )
    assert faced.count() == 1
    text = faced.inner_text()
    assert "small-scale producers" in text and "faces" in text
    assert faced.locator("q.anchor").all_inner_texts() == [
        "Limited access to financing often constrains",
        "They often struggle with financing",
    ]
    assert faced.locator(".where").all_inner_texts() == [
        "§4 Challenges Faced by Small-Scale Producers in International Markets, ¶1",
        "§7 Questions and Answers, ¶8",
    ]
    hinders = tab.page.locator(
        f'tr.link.out[data-predicate="{SSP}hinders"][data-other="{KG}production-expansion"]'
    )
    assert hinders.locator("q.anchor").all_inner_texts() == [
        "Limited access to financing often constrains their ability"
    ]
    # 3 out, 3 in (one from question 4); void:exampleResource is metadata, not a relation
    assert tab.page.locator("tr.link").count() == 6
    hinders.locator("td.other a").click()
    tab.page.wait_for_url("**/concepts/production-expansion.html")
    tab.wait_ready()
    back = tab.page.locator(f'tr.link.in[data-other="{FINANCING}"]')
    assert "limited access to financing" in back.inner_text()
    assert tab.clean(), (tab.requests, tab.errors)


@pytest.mark.browser
def test_view_link_focuses_the_concept(reference: Path, browsed) -> None:
    tab = browsed()
    tab.open(reference / "concepts" / "limited-access-to-financing.html")
    link = tab.page.locator("#view-link")
    assert link.get_attribute("href") == "../view.html#focus=" + quote(FINANCING, safe="")
    link.click()
    tab.page.wait_for_url("**/view.html#focus=*")
    wait_js(tab.page, "() => !!(window.kgView && window.kgView.ready)", timeout=120)
    wanted = tab.page.evaluate(
        "iri => { const d = kgView.data; const i = d.info.findIndex(x => x[4] === iri);"
        " return i < 0 ? null : d.nodes[i].id; }",
        FINANCING,
    )
    assert wanted is not None
    assert tab.page.evaluate("network.getSelectedNodes()") == [wanted]
    assert "limited access to financing" in tab.page.locator("#kg-details").inner_text()
    # Another fragment on the same page moves the focus.
    other = KG + "market-visibility"
    tab.page.evaluate("iri => { location.hash = 'focus=' + encodeURIComponent(iri); }", other)
    wait_js(
        tab.page,
        "iri => { const d = kgView.data; const i = d.info.findIndex(x => x[4] === iri);"
        " return network.getSelectedNodes()[0] === d.nodes[i].id; }",
        other,
        timeout=10,
    )
    assert tab.clean(), (tab.requests, tab.errors)


@pytest.mark.browser
def test_hostile_label_stays_text(hostile: Path, browsed) -> None:
    tab = browsed()
    tab.open(hostile / "index.html")
    tab.page.fill("#kg-search", "harmless")
    labels = tab.page.locator("#kg-search-results li .label").all_inner_texts()
    assert HOSTILE_LABEL in labels
    tab.page.fill("#kg-search", "quite harm")
    tab.page.press("#kg-search", "Enter")
    tab.page.wait_for_url("**/concepts/*.html")
    tab.wait_ready()
    assert tab.page.locator("h1").inner_text() == HOSTILE_LABEL
    assert tab.page.title() == HOSTILE_LABEL
    assert HOSTILE_DEFINITION in tab.page.locator(".definition").inner_text()
    row = tab.page.locator("tr.link.out").inner_text()
    assert "links <i>to</i>" in row and "an <em>anchor</em>" in row
    assert "hedged <script>" in row
    assert tab.page.locator("main img, main script, main b, main i, main em").count() == 0
    assert tab.page.evaluate("typeof window.__pwned") == "undefined"
    assert tab.clean(), (tab.requests, tab.errors)
