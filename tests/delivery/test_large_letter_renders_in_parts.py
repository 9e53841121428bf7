"""A letter with many co-signers is rendered in parts (delivery/chunked.py) and reads as one
document: page numbers run through every page, no name is lost or printed twice where two parts
meet, the letter's own first page is as a single render lays it out, and the title, author and
tags of the PDF/UA file survive the join."""
from __future__ import annotations

import io
import subprocess

import pikepdf
import pytest
import sqlalchemy as sa

from campaign.core.collation import sort_key
from campaign.core.timeutil import utcnow
from campaign.delivery import chunked
from campaign.delivery.chunked import render_in_parts
from campaign.delivery.rendering import render_letter_pdf
from campaign.extensions import db
from campaign.letters.models import Letter
from campaign.signatures.models import Signature
from helpers.factories import letter_file

SLUG = "veel-ondertekenaars"
ALDERPERSONS, ORGANISATIONS = 230, 150
PART_SIZE = 70  # small parts: several boundaries, inside a list and between two lists


def add_signatures(letter: Letter) -> None:
    """Confirmed co-signers in bulk (Core), as a large campaign gathers them."""
    now, rows = utcnow(), []
    for n in range(ALDERPERSONS):
        municipality = f"Gemeente {n:04d}"
        rows.append(dict(kind="alderperson", name=f"Wethouder {n:04d}", role="wethouder",
                         municipality=municipality, municipality_key=sort_key(municipality),
                         organisation=None,
                         name_key=sort_key(f"Wethouder {n:04d}"), organisation_key=""))
    for n in range(ORGANISATIONS):
        organisation = f"Stichting {n:04d}"
        rows.append(dict(kind="organisation", name=f"Directeur {n:04d}", role="directeur",
                         organisation=organisation, organisation_key=sort_key(organisation),
                         municipality=None,
                         name_key=sort_key(f"Directeur {n:04d}"), municipality_key=""))
    for n, row in enumerate(rows):
        row.update(letter_id=letter.id, version_id=letter.current_version.id, state="confirmed",
                   review="not_needed", verification="mailbox", public=True, lead=False,
                   invited=False, email=f"s{n}@voorbeeld.example.org", created_at=now,
                   confirmed_at=now)
    db.session.execute(Signature.__table__.insert(), rows)
    db.session.commit()


@pytest.fixture
def letter(app, staff):
    path = staff.write("brief.md", letter_file(SLUG, moderation="none"))
    assert staff.run("letters", "import", path, "--publish").exit_code == 0
    with app.app_context():
        add_signatures(db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG)))
    return SLUG


def page_texts(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def struct_types(pdf: pikepdf.Pdf) -> dict[str, int]:
    """How many structure elements of each type the tagged PDF has."""
    found: dict[str, int] = {}
    todo = [pdf.Root.StructTreeRoot]
    while todo:
        element = todo.pop()
        if isinstance(element, pikepdf.Dictionary):
            if "/S" in element:
                found[str(element.S)] = found.get(str(element.S), 0) + 1
            kids = element.get("/K")
            todo.extend(kids if isinstance(kids, pikepdf.Array) else [kids] if kids else [])
    return found


def test_a_large_letter_renders_in_parts_as_one_document(app, letter, tmp_path, monkeypatch):
    # The page numbers too are laid out a few pages at a time.
    monkeypatch.setattr(chunked, "STAMP_PAGES", 3)
    with app.app_context():
        row = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        reported = []
        joined = render_in_parts(row, part_size=PART_SIZE,
                                 progress=lambda done, total: reported.append((done, total)))
        single = render_letter_pdf(row)

    entries = ALDERPERSONS + ORGANISATIONS
    assert len(reported) >= entries // PART_SIZE and reported[-1] == (entries, entries)
    assert [done for done, _ in reported] == sorted(done for done, _ in reported)

    pages, single_pages = page_texts(joined, tmp_path), page_texts(single, tmp_path)
    # A part ends where its last full page ends, so no page is left half empty.
    assert abs(len(pages) - len(single_pages)) <= 1, (len(pages), len(single_pages))
    for number, text in enumerate(pages, start=1):
        assert text.count(f"Pagina {number} van {len(pages)}") == 1, (number, text[-200:])
        assert text.count("Pagina ") == 1
    # The letter's own first page is laid out as in one document.
    assert pages[0] == single_pages[0].replace(f"van {len(single_pages)}", f"van {len(pages)}")

    everything = " ".join(pages)
    for n in range(ALDERPERSONS):
        assert everything.count(f"Wethouder {n:04d}") == 1, n
    for n in range(ORGANISATIONS):
        assert everything.count(f"Stichting {n:04d}") == 1, n
    assert everything.count("Mede ondertekend door:") == 1
    assert everything.count("Namens de ondertekenende organisaties:") == 1
    assert everything.count("Ondertekend door 380 partijen") == 1

    with pikepdf.open(io.BytesIO(joined)) as pdf, pikepdf.open(io.BytesIO(single)) as one:
        assert str(pdf.docinfo["/Title"]) == str(one.docinfo["/Title"])
        assert str(pdf.docinfo["/Author"]) == "Gemeente Utrecht"
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "nl"
        with pdf.open_metadata() as meta:
            assert "gelijke kansen" in meta.get("dc:title", "")
        # Every list item of every part is in the one structure tree.
        ours, theirs = struct_types(pdf), struct_types(one)
        assert ours.get("/LI") == theirs.get("/LI")
        assert int(pdf.Root.StructTreeRoot.ParentTreeNextKey) >= len(pdf.pages)


def test_parts_keep_about_their_size(app, letter):
    """The entries a part carries over to the next (its dropped last page) come on top of the
    next part's share, so the parts do not multiply with the carry."""
    with app.app_context():
        row = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        reported = []
        render_in_parts(row, part_size=200,
                        progress=lambda done, total: reported.append((done, total)))
    assert len(reported) == 2, reported  # 380 entries: 200 and the rest, carry included


def test_the_collector_is_as_it_was_after_renders_overlap():
    """WeasyPrint runs with fewer collections (delivery/collector.py); when two renders overlap
    in one process, the collector is set back only when the last one ends."""
    import gc

    from campaign.delivery.collector import YOUNG_THRESHOLD, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        frozen = gc.get_freeze_count()
        assert frozen > 0 and gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        with fewer_collections():
            pass
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_render_leaves_its_layout_to_reference_counting(app, letter, monkeypatch):
    """A layout's reference cycle is broken when its render ends (collector.release_layouts):
    the context, with the styles and elements of every entry, is freed there and then, not
    left for a full collection of the worker's whole heap."""
    import gc
    import weakref

    from weasyprint.layout import LayoutContext

    made, init = [], LayoutContext.__init__

    def init_and_watch(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(LayoutContext, "__init__", init_and_watch)
    with app.app_context():
        row = db.session.scalar(sa.select(Letter).where(Letter.slug == SLUG))
        gc.disable()
        try:
            render_in_parts(row, part_size=PART_SIZE)  # parts, joined, numbered
            render_in_parts(row, part_size=1000)  # one document
            alive = [ref for ref in made if ref() is not None]
        finally:
            gc.enable()
    assert len(made) > 5 and not alive


def test_a_render_runs_in_a_frame_stack_chunk_of_its_own():
    """A layout's deep recursion, through roomy_stack, stays inside one chunk of CPython's frame
    stack: descending 400 calls and back 300 times maps no chunk (and faults no page in) each
    time, as it does when the descent crosses a chunk boundary (python/cpython#142183)."""
    import resource
    import sys

    from campaign.delivery.framestack import roomy_stack

    def descend(depth: int) -> int:
        return 0 if depth == 0 else descend(depth - 1) + 1

    def again_and_again() -> int:
        return sum(descend(400) for _ in range(300))

    def faults(call) -> tuple[int, int]:
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        result = call()
        return result, resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before

    plain, plain_faults = faults(again_and_again)
    roomy, roomy_faults = faults(roomy_stack(again_and_again))
    assert plain == roomy == 300 * 400
    assert roomy_faults < 100
    if sys.version_info < (3, 13):  # later releases keep a spare chunk themselves
        assert plain_faults > 300
    assert render_in_parts.__wrapped__ and render_letter_pdf.__wrapped__
