"""The signed letter as an A4 PDF, as it is posted to a ministry: letterhead on every page, the
published text, the signatories grouped as readers expect, page numbers and a verification address.

WeasyPrint fetches through StaticFilesOnly, which serves the app's own static files (the fonts) and
refuses every other URL, so nothing in a letter's text can pull a file or a web page into the PDF.
"""
from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from babel.lists import format_list
from flask import render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..core.links import external_url
from ..core.markup import render_markdown
from ..core.templating import count_of, lines, long_date
from ..letters.images import images_of
from ..letters.models import Letter, LetterImage, LetterKind, LetterVersion, SignatoryKind
from ..signatures.queries import Counts, counts, public_signatories
from .collector import fewer_collections
from .framestack import roomy_stack
from .stamp import DeliveryStamp

with warnings.catch_warnings():
    # Without the system's HarfBuzz-Subset library WeasyPrint subsets fonts with fontTools (slower,
    # same result) and says so with a DeprecationWarning at import, which tests treat as an error.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"
IMAGE_SCHEME = "letter-image"
# Not PDF/A: WeasyPrint 70 leaves its colour profile file open there (a ResourceWarning).
PDF_VARIANT = "pdf/ua-1"

# What the fetcher hands out, by file suffix: fonts and the kinds of image a letterhead might use.
CONTENT_TYPES = {
    ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
}

# Level names and what they mean, as the PDF's appendix prints them.
LEVELS = {
    "invited": (_l("invited"), _l("invited by the campaign, who checked who they are")),
    "domain": (_l("e-mail domain"), _l("confirmed from a mailbox of the municipality or "
                                       "organisation named (where a domain is shown, it is "
                                       "the organisation's own website)")),
    "staff": (_l("checked by staff"), _l("checked and approved by the campaign")),
    "mailbox": (_l("e-mail confirmed"), _l("only the e-mail address is confirmed")),
}


class RefusedURL(ValueError):
    """The PDF asked for something outside the app's static files."""


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint fetcher that serves files under `root` by their file: URL, and nothing else:
    no other file, no http(s), no data: URLs. Besides those, exactly the stored images it is
    given (`images`: URL from image_url() to content type and bytes), which the template names;
    letter text cannot (Markdown images print as their alternative text)."""

    def __init__(self, root: Path = STATIC_ROOT,
                 images: dict[str, tuple[str, bytes]] | None = None) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()
        self.images = dict(images or {})

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url in self.images:
            content_type, data = self.images[url]
            return URLFetcherResponse(url, data, {"Content-Type": content_type})
        path = self.local_path(url)
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": CONTENT_TYPES[path.suffix.lower()]})

    def local_path(self, url: str) -> Path:
        """The static file `url` names; RefusedURL for anything else."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"only the app's static files may be fetched, not {url[:200]}")
        # resolve() follows "..", symlinks and %-escapes before we look where the path lands.
        path = Path(url2pathname(parts.path)).resolve()
        if (not path.is_relative_to(self.root) or path.suffix.lower() not in CONTENT_TYPES
                or not path.is_file()):
            raise RefusedURL(f"not one of the app's static files: {url[:200]}")
        return path


def image_url(image: LetterImage) -> str:
    """The name a stored image goes by in the print document: no file or host behind it."""
    return f"{IMAGE_SCHEME}:{image.purpose}/{image.sha256}"


def letter_fetcher(letter: Letter) -> StaticFilesOnly:
    """The fetcher for `letter`'s PDF: the static files and the letter's own stored images."""
    return StaticFilesOnly(images={image_url(image): (image.content_type, image.data)
                                   for image in images_of(letter).values()})


def letter_text(letter: Letter) -> Letter | LetterVersion:
    """The text signatories signed: the current published version, else the draft itself."""
    return letter.current_version or letter


def reference_block(text: Letter | LetterVersion) -> list[tuple[str, str]]:
    """The labelled details beside the addressee, in the order of a rijkshuisstijl letter;
    call under the letter's locale. Empty when the letter has none."""
    attachments = lines(text.attachments)
    rows = [(gettext("Our reference"), text.reference),
            (gettext("Contact person"), text.contact_name),
            (gettext("Phone"), text.contact_phone),
            (gettext("E-mail"), text.contact_email),
            (gettext("Attachment(s)"), str(len(attachments)) if attachments else "")]
    return [(label, value) for label, value in rows if value]


def letterhead_lines(letter: Letter) -> list[str]:
    """Sender first, then address, website, registration number: whatever staff wrote."""
    return lines(letter_text(letter).letterhead)


def tally(counts: Counts, language: str, as_of: date, delivered: bool = False) -> str:
    """"Ondertekend door 60 partijen (41 wethouders en 19 organisaties); stand op 1 december
    2026." — what a reader of the last page wants to know, in the letter's language."""
    with force_locale(language):
        parts = [count_of(*NUMBER_OF[kind], getattr(counts, kind))
                 for kind in SignatoryKind.ALL if getattr(counts, kind)]
        total = count_of("%(num)s party", "%(num)s parties", counts.total)
        when = long_date(as_of, language)
        if delivered:
            return (gettext("Signed by %(total)s (%(parts)s); count as delivered on %(date)s.",
                            total=total, parts=format_list(parts, locale=language), date=when)
                    if len(parts) > 1 else
                    gettext("Signed by %(total)s; count as delivered on %(date)s.",
                            total=total, date=when))
        if len(parts) > 1:
            return gettext("Signed by %(total)s (%(parts)s); count as of %(date)s.",
                           total=total, parts=format_list(parts, locale=language), date=when)
        return gettext("Signed by %(total)s; count as of %(date)s.", total=total, date=when)


NUMBER_OF = {
    SignatoryKind.ALDERPERSON: ("%(num)s alderperson", "%(num)s alderpersons"),
    SignatoryKind.ORGANISATION: ("%(num)s organisation", "%(num)s organisations"),
    SignatoryKind.INDIVIDUAL: ("%(num)s individual", "%(num)s individuals"),
}


def css_string(text: str) -> str:
    """`text` as a quoted CSS string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def page_counter_content(label: str, pages: int | None = None) -> str:
    """A CSS `content` value for "Pagina {page} van {pages}" with live page counters; with
    `pages`, that total and each page's number from its `page-number` string instead."""
    counters = ({"page": "counter(page)", "pages": "counter(pages)"} if pages is None else
                {"page": "string(page-number)", "pages": css_string(str(pages))})
    parts = []
    for piece in label.replace("}", "{").split("{"):
        parts.append(counters.get(piece) or (css_string(piece) if piece else ""))
    return " ".join(p for p in parts if p)


_BARE_LINK = re.compile(r'<a href="([^"]+)">\1</a>')


def mark_bare_links(html: Markup) -> Markup:
    """Links whose words are their address need not print it twice (letter.css)."""
    # Only rewrites links the Markdown renderer made from escaped text.
    marked = _BARE_LINK.sub(r'<a class="bare" href="\1">\1</a>', str(html))
    return Markup(marked)  # noqa: S704  # nosec B704


def render_letter_html(letter: Letter, *, part: object | None = None,
                       stamp: DeliveryStamp | None = None) -> str:
    """The print document, in the letter's language whatever the reader's; user text is
    escaped by Jinja, the body is rendered Markdown. `part` (delivery/chunked.py) renders one
    slice of the signatories: its `signatories` and `counts`, `first`, `last`, `continued`."""
    text = letter_text(letter)
    letterhead = letterhead_lines(letter)
    letter_counts = part.counts if part else counts(letter)
    with force_locale(letter.language):
        return render_template(
            "pdf/letter.html",
            letter=letter,
            text=text,
            levels=LEVELS,
            body=mark_bare_links(render_markdown(text.body)),
            letter_date=long_date(text.letter_date, letter.language),
            addressee=lines(text.addressee),
            sender=letterhead[0] if letterhead else "",
            letterhead_details=letterhead[1:],
            signatories=part.signatories if part else public_signatories(letter),
            part=part,
            is_manifesto=letter.kind == LetterKind.MANIFESTO,
            reference_block=reference_block(text),
            subject=text.subject or text.title,
            attachments=lines(text.attachments),
            images={image.purpose: image_url(image) for image in images_of(letter).values()},
            verify_url=external_url("public.show", slug=letter.slug),
            counts=letter_counts,
            tally=tally(letter_counts, letter.language,
                        stamp.delivered_on if stamp else date.today(), delivered=bool(stamp))
            if letter_counts.total else "",
            # A delivered PDF: its last page carries the verification address and its QR code.
            delivery=stamp,
        )


def page_label(letter: Letter) -> str:
    """"Pagina {page} van {pages}" in the letter's language."""
    with force_locale(letter.language):
        return gettext("Page %(page)s of %(pages)s", page="{page}", pages="{pages}")


def render_letter_css(letter: Letter, *, numbered: bool = True, pages: int | None = None) -> str:
    """The print styles; `numbered=False` leaves the page number box empty (chunked.py stamps
    the numbers after joining the parts, `pages` of them: see page_counter_content)."""
    page = page_label(letter)
    return render_template("pdf/letter.css",
                           page_content=page_counter_content(page, pages) if numbered else '""',
                           has_letterhead=bool(letterhead_lines(letter)))


@roomy_stack
def render_letter_pdf(letter: Letter, *, url_fetcher: StaticFilesOnly | None = None,
                      stamp: DeliveryStamp | None = None) -> bytes:
    """The signed letter as PDF bytes; `stamp` for the copy that is delivered (stamp.py).
    Call inside an app context."""
    fetcher = url_fetcher or letter_fetcher(letter)
    # Relative links in the body resolve against the letter's public page, never the server's disk.
    html = HTML(string=render_letter_html(letter, stamp=stamp), url_fetcher=fetcher,
                base_url=external_url("public.show", slug=letter.slug))
    fonts = FontConfiguration()  # @font-face rules in a stylesheet object need one, shared
    stylesheet = CSS(string=render_letter_css(letter), url_fetcher=fetcher,
                     base_url=path2url(STATIC_ROOT), font_config=fonts)
    # Presentational hints would let HTML attributes in user text style the page: keep them off.
    # PDF/UA: a tagged PDF that screen readers can follow, for next to no extra time.
    with fewer_collections():
        return html.write_pdf(stylesheets=[stylesheet], font_config=fonts,
                              presentational_hints=False, pdf_variant=PDF_VARIANT)
