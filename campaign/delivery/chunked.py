"""The signed letter rendered in parts, so that a letter with 10,000 co-signers needs the memory
of one part, not of the whole document.

WeasyPrint keeps the layout of every page of a document until it writes the PDF (about 89 KB an
entry). Here the co-signers are laid out `PART_SIZE` entries at a time: the first part carries
the letter's own pages; every later part starts with a throw-away first page (so that each part's
pages are "follow-on" pages with the slim header) and no part but the last keeps its last page:
the entries found there start the next part, so that no page is half empty where two parts meet.
Each part is written as a tagged PDF/UA file at once and forgotten; pypdf joins them, and the
page numbers ("Pagina 3 van 140") are stamped afterwards, from documents of empty pages laid out
with the letter's own page style (STAMP_PAGES at a time), because only then is the total known.
A letter whose co-signers fit one part is one document, as rendering.render_letter_pdf makes it.
"""
from __future__ import annotations

import gc
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import pikepdf
from flask_babel import force_locale

from ..core.links import external_url
from ..letters.models import Letter
from ..signatures.queries import Counts, PublicSignatories, counts, public_signatories
from .collector import fewer_collections, release_layouts
from .framestack import roomy_stack
from .rendering import (
    CSS,
    HTML,
    PDF_VARIANT,
    STATIC_ROOT,
    FontConfiguration,
    letter_fetcher,
    path2url,
    render_letter_css,
    render_letter_html,
)
from .stamp import DeliveryStamp

# Entries laid out per WeasyPrint document: 1,000 two-line entries are ~23 pages and ~50 MB
# (10,000 co-signers: 240 MB while the parts render, 336 MB peak in the pikepdf join).
PART_SIZE = 1000
SECTIONS = ("alderpersons", "organisations", "individuals")
# A continuation part begins with a page of its own that is thrown away (see the docstring).
# The list it continues starts at the top of the page, as it would in one document.
PART_CSS = """.part-start { break-after: page; height: 1px; }
.part-start + .signatories { margin-top: 0; }"""
# A part that is not the last drops its last page (its entries start the next part), so the list
# it ends with need not be balanced over that page's two columns: WeasyPrint balances by laying
# the page out again and again, a pixel taller each time.
CONTINUES_CSS = "main > .signatories:last-of-type .names { column-fill: auto; }"
# The stamp: only the page number box of the letter's page style, without its rule (the parts
# drew that already).
STAMP_CSS = """
@page { @top-left { content: none; } @top-right { content: none; }
        @bottom-left { content: none; } @bottom-right { border-top-color: transparent; } }
@page :first { @top-left { content: none; } @top-right { content: none; } }
.page { break-before: page; string-set: page-number attr(data-page); }
.page:first-child { break-before: auto; }
"""
# The page numbers are laid out this many pages at a time: WeasyPrint keeps every page of a
# document until it is written (250 pages of numbers at once: about 90 MB).
STAMP_PAGES = 100

Progress = Callable[[int, int], None]


@dataclass
class Part:
    """What render_letter_html needs for one part (see templates/pdf/letter.html)."""
    signatories: PublicSignatories
    counts: Counts
    everyone: PublicSignatories
    first: bool
    last: bool
    continued: frozenset[str] = field(default_factory=frozenset)


def entry_count(signatories: PublicSignatories) -> int:
    return sum(len(getattr(signatories, name)) for name in SECTIONS)


def _slice(everyone: PublicSignatories, start: int, stop: int,
           first: bool) -> tuple[PublicSignatories, frozenset[str]]:
    """Entries start…stop of the co-signers, counted through the sections in print order."""
    taken, continued, offset = {}, set(), 0
    for name in SECTIONS:
        entries = getattr(everyone, name)
        low, high = max(start - offset, 0), min(stop - offset, len(entries))
        taken[name] = entries[low:high] if low < high else []
        if low > 0 and low < high:
            continued.add(name)
        offset += len(entries)
    sliced = replace(everyone, leads=everyone.leads if first else [], **taken)
    return sliced, frozenset(continued)


class _Renderer:
    def __init__(self, letter: Letter, stamp: DeliveryStamp | None) -> None:
        self.letter, self.delivery = letter, stamp
        self.fetcher = letter_fetcher(letter)
        self.fonts = FontConfiguration()
        self.base_url = external_url("public.show", slug=letter.slug)

    # The part styles, parsed only when the letter is laid out in parts (not for whole()).
    @cached_property
    def styles(self) -> list[CSS]:
        return [CSS(string=render_letter_css(self.letter, numbered=False),
                    url_fetcher=self.fetcher, base_url=path2url(STATIC_ROOT),
                    font_config=self.fonts),
                CSS(string=PART_CSS, font_config=self.fonts)]

    @cached_property
    def continuing(self) -> list[CSS]:
        return [*self.styles, CSS(string=CONTINUES_CSS, font_config=self.fonts)]

    def whole(self, part: Part) -> bytes:
        """A letter whose co-signers fit one part: one document, numbered by WeasyPrint itself
        (as rendering.render_letter_pdf makes it), so nothing to join or stamp."""
        html = HTML(string=render_letter_html(self.letter, part=part, stamp=self.delivery),
                    url_fetcher=self.fetcher, base_url=self.base_url)
        styles = [CSS(string=render_letter_css(self.letter, numbered=True),
                      url_fetcher=self.fetcher, base_url=path2url(STATIC_ROOT),
                      font_config=self.fonts)]
        return html.write_pdf(stylesheets=styles, font_config=self.fonts,
                              presentational_hints=False, pdf_variant=PDF_VARIANT)

    def part(self, part: Part, start: int) -> tuple[bytes, int]:
        """One part as PDF bytes, and where the next part starts (its stop unless the entries
        of its dropped last page carry over)."""
        html = HTML(string=render_letter_html(self.letter, part=part, stamp=self.delivery),
                    url_fetcher=self.fetcher, base_url=self.base_url)
        # Each co-signer entry is one <li> of a ul.names, in print order.
        number = {id(element): start + n
                  for n, element in enumerate(_names_items(html.etree_element))}
        document = html.render(stylesheets=self.styles if part.last else self.continuing,
                               font_config=self.fonts,
                               presentational_hints=False, pdf_variant=PDF_VARIANT)
        release_layouts()
        pages = document.pages[0 if part.first else 1:]
        stop = start + entry_count(part.signatories)
        if not part.last and len(pages) > 1:
            on_last = [number[id(box.element)] for box in _boxes(pages[-1]._page_box)
                       if box.element_tag == "li" and id(box.element) in number]
            if on_last and min(on_last) > start:
                stop, pages = min(on_last), pages[:-1]
        data = document.copy(pages).write_pdf(pdf_variant=PDF_VARIANT)
        return data, stop

    def stamp(self, first: int, count: int, total: int) -> bytes:
        """`count` empty pages carrying only their page numbers, `first` + 1 onwards of `total`,
        in the letter's page style."""
        css = render_letter_css(self.letter, numbered=True, pages=total)
        # Without a letterhead the page style has no header boxes; the numbers sit where the
        # letter's own do either way.
        html = HTML(string=f'<html lang="{self.letter.language}"><body>'
                           + "".join(f'<div class="page" data-page="{number}"></div>'
                                     for number in range(first + 1, first + count + 1))
                           + "</body></html>",
                    url_fetcher=self.fetcher)
        data = html.write_pdf(stylesheets=[
            CSS(string=css, url_fetcher=self.fetcher, base_url=path2url(STATIC_ROOT),
                font_config=self.fonts),
            CSS(string=STAMP_CSS, font_config=self.fonts)], font_config=self.fonts,
            presentational_hints=False, pdf_variant=PDF_VARIANT)
        release_layouts()
        return data


def _boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _names_items(root) -> list:
    """The <li> of every ul.names, in document order."""
    items = []
    for ul in root.iter("ul"):
        if "names" in (ul.get("class") or "").split():
            items.extend(ul.iter("li"))
    return items


@roomy_stack
def render_in_parts(letter: Letter, *, part_size: int = PART_SIZE,
                    progress: Progress | None = None,
                    stamp: DeliveryStamp | None = None) -> bytes:
    """The signed letter as PDF bytes, like rendering.render_letter_pdf, in parts of about
    `part_size` co-signers; `stamp` for the delivered copy. `progress(done, total)` hears after
    every part. Call inside an app context."""
    everyone, letter_counts = public_signatories(letter), counts(letter)
    total = entry_count(everyone)
    renderer = _Renderer(letter, stamp)
    pieces: list[bytes] = []
    start, first, carried = 0, True, 0
    # A part takes up to a tenth more rather than leave a sliver for a part of its own.
    slack = part_size // 10
    with force_locale(letter.language), fewer_collections():
        if total <= part_size + slack:
            data = renderer.whole(Part(everyone, letter_counts, everyone, first=True, last=True))
            if progress:
                progress(total, total)
            return data
        while True:
            # The entries the last part carried over (its dropped page) come on top, so that
            # each part keeps about `part_size`: 10,000 co-signers in 10 parts, not 11.
            stop = start + part_size + carried
            if stop + slack >= total:
                stop = total
            signatories, continued = _slice(everyone, start, stop, first)
            part = Part(signatories, letter_counts, everyone, first=first, last=stop >= total,
                        continued=continued)
            data, kept = renderer.part(part, start)
            carried, stop = stop - kept, kept
            pieces.append(data)
            gc.collect()  # what cycles the part left, before the next part is laid out
            if progress:
                progress(stop, total)
            if part.last:
                break
            start, first = stop, False
        return join(pieces, renderer.stamp)


def join(pieces: list[bytes], stamp: Callable[[int, int, int], bytes]) -> bytes:
    """The parts as one PDF: the first part's catalogue (language, metadata, tags), every
    part's pages and structure, then the page numbers over every page, `stamp(first, count,
    total)` laid out STAMP_PAGES at a time."""
    joined = pikepdf.open(io.BytesIO(pieces[0]))
    for piece in pieces[1:]:
        with pikepdf.open(io.BytesIO(piece)) as other:
            _append_tagged(joined, other)
    total = len(joined.pages)
    # An overlay's content is copied from its file when the joined one is saved: all stay open.
    stamps = []
    for first in range(0, total, STAMP_PAGES):
        count = min(STAMP_PAGES, total - first)
        stamps.append(numbers := pikepdf.open(io.BytesIO(stamp(first, count, total))))
        for page, number in zip(joined.pages[first:first + count], numbers.pages):
            page.add_overlay(number)
        gc.collect()
    out = io.BytesIO()
    # Object streams pack the many small structure elements: 10,000 co-signers in 1.8 MB, not 7.3.
    joined.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for numbers in stamps:
        numbers.close()
    joined.close()
    return out.getvalue()


def _document_element(tree: pikepdf.Dictionary) -> pikepdf.Dictionary:
    """The structure tree's one /Document element (WeasyPrint makes one), else the root."""
    kids = tree.get("/K")
    if isinstance(kids, pikepdf.Array) and len(kids) == 1:
        kids = kids[0]
    return kids if isinstance(kids, pikepdf.Dictionary) else tree


def _kids(element: pikepdf.Dictionary) -> pikepdf.Array:
    kids = element.get("/K")
    if not isinstance(kids, pikepdf.Array):
        element.K = kids = pikepdf.Array([] if kids is None else [kids])
    return kids


def _append_tagged(joined: pikepdf.Pdf, other: pikepdf.Pdf) -> None:
    """Append `other`'s pages and hang its structure elements under the joined document's, with
    its marked-content references renumbered so that they stay unique."""
    first_page = len(joined.pages)
    joined.pages.extend(other.pages)
    tree, theirs = joined.Root.get("/StructTreeRoot"), other.Root.get("/StructTreeRoot")
    if tree is None or theirs is None:
        return
    nums = tree.ParentTree.Nums
    offset = int(tree.get("/ParentTreeNextKey", len(nums) // 2))
    for page in joined.pages[first_page:]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
    ours = _document_element(tree)
    our_kids = _kids(ours)
    for kid in list(_kids(_document_element(theirs))):
        # Unhooked from its old parent first, so that the copy does not drag that whole tree
        # along; page references map onto the pages copied above.
        del kid.P
        copied = joined.copy_foreign(kid)
        copied.P = ours
        our_kids.append(copied)
    their_nums = theirs.ParentTree.Nums
    for n in range(0, len(their_nums), 2):
        nums.append(int(their_nums[n]) + offset)
        nums.append(_copy(joined, their_nums[n + 1]))
    tree.ParentTreeNextKey = offset + int(theirs.get("/ParentTreeNextKey", len(their_nums) // 2))


def _copy(joined: pikepdf.Pdf, value: pikepdf.Object) -> pikepdf.Object:
    """A parent-tree value (an element, or an array of elements) of another file in `joined`."""
    if isinstance(value, pikepdf.Array) and not value.is_indirect:
        return pikepdf.Array([_copy(joined, item) for item in value])
    return joined.copy_foreign(value) if value.is_indirect else value
