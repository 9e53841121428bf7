"""Letters for editors: list, create (upload or form), preview, publish, close, reopen,
edit with versions, exports."""
from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from ..accounts.models import Role
from ..audit import Actor
from ..core.errors import NotAllowed
from ..core.forms import TextForm
from ..delivery.rendering import render_letter_pdf
from ..extensions import db
from ..letters import operations, queries
from ..letters.letterfile import (
    CONTACT_KEYS,
    CONTACT_URL,
    FIELDS,
    MAX_LENGTHS,
    PHONE,
    SLUG,
    LetterFile,
    LetterFileError,
    check_letter_fields,
    parse_letter_file,
)
from ..letters.models import Letter, LetterKind, LetterStatus, Moderation, SignatoryKind
from ..signatures.exports import csv_chunks, json_chunks
from ..signatures.queries import counts, letters_overview
from ..signatures.versions import signatures_per_version
from .access import allow, letter_or_404
from .blueprint import blueprint

STATUS_LABELS = {LetterStatus.DRAFT: _l("Draft"), LetterStatus.OPEN: _l("Open"),
                 LetterStatus.CLOSED: _l("Closed"), LetterStatus.DELIVERED: _l("Delivered")}
KIND_LABELS = {LetterKind.LETTER: _l("Letter"), LetterKind.MANIFESTO: _l("Manifesto")}
LANGUAGE_LABELS = {"nl": _l("Dutch"), "en": _l("English")}
SIGNATORY_LABELS = {SignatoryKind.ALDERPERSON: _l("Alderpersons"),
                    SignatoryKind.ORGANISATION: _l("Organisations"),
                    SignatoryKind.INDIVIDUAL: _l("Individuals")}
MODERATION_LABELS = {
    Moderation.NONE: _l("None: every confirmed signature is public"),
    Moderation.UNVERIFIED: _l("Unverified signatures wait for review"),
    Moderation.ALL_SIGNATURES: _l("Every signature waits for review"),
}
FIELD_LABELS = {"title": _l("Title"), "letterhead": _l("Letterhead"), "addressee": _l("Addressee"),
                "place": _l("Place"), "letter_date": _l("Date"), "salutation": _l("Salutation"),
                "body": _l("Text"), "closing": _l("Closing"), "subject": _l("Subject"),
                "reference": _l("Our reference"), "contact_name": _l("Contact person"),
                "contact_phone": _l("Contact person's phone"),
                "contact_email": _l("Contact person's e-mail"), "attachments": _l("Attachments")}
# Only a letter is posted to someone; a manifesto needs none of these.
NEEDED_FOR_A_LETTER = ("addressee", "place", "date", "salutation", "closing")


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _is_date(form, field) -> None:
    if field.data:
        try:
            date.fromisoformat(field.data.strip())
        except ValueError:
            raise ValidationError(_l("Write the date as YYYY-MM-DD, e.g. 2021-01-29.")) from None


class LetterForm(TextForm):
    """Every field of the letter file format, one form field each, named as in the file."""
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Fill in a title.")), Length(max=MAX_LENGTHS["title"])])
    slug = StringField(_l("Address (slug)"), validators=[
        DataRequired(_l("Fill in the letter's address.")), Length(max=120),
        Regexp(SLUG, message=_l("Use only lower-case letters, digits and single hyphens, "
                                "e.g. gelijke-kansen."))])
    kind = SelectField(_l("Kind"), choices=_choices(KIND_LABELS))
    language = SelectField(_l("Language"), choices=_choices(LANGUAGE_LABELS))
    letterhead = TextAreaField(_l("Letterhead"), validators=[Length(max=5000)])
    addressee = TextAreaField(_l("Addressee"), validators=[Length(max=5000)])
    place = StringField(_l("Place"), validators=[Length(max=MAX_LENGTHS["place"])])
    date = StringField(_l("Date"), validators=[Optional(), _is_date])
    salutation = StringField(_l("Salutation"), validators=[Length(max=MAX_LENGTHS["salutation"])])
    body = TextAreaField(_l("Text (Markdown)"), validators=[
        DataRequired(_l("Write the letter's text.")), Length(max=200_000)])
    closing = StringField(_l("Closing"), validators=[Length(max=MAX_LENGTHS["closing"])])
    signatory_kinds = SelectMultipleField(
        _l("Who may sign"), choices=_choices(SIGNATORY_LABELS),
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one kind of signatory."))])
    moderation = SelectField(_l("Review"), choices=_choices(MODERATION_LABELS),
                             default=Moderation.UNVERIFIED)
    verification_appendix = BooleanField(
        _l("End the PDF with an appendix on how each signatory is verified"))
    subject = StringField(_l("Subject"), validators=[Length(max=MAX_LENGTHS["subject"])])
    reference = StringField(_l("Our reference"), validators=[Length(max=MAX_LENGTHS["reference"])])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=200)])
    contact_phone = StringField(_l("Contact person's phone"), validators=[
        Optional(), Length(max=50), Regexp(PHONE, message=_l(
            "Write the phone number with digits, spaces and + ( ) . / - only."))])
    contact_email = StringField(_l("Contact person's e-mail"), validators=[
        Optional(), Length(max=320),
        Email(_l("Write an e-mail address, e.g. info@example.nl."), check_deliverability=False)])
    attachments = TextAreaField(_l("Attachments"), validators=[Length(max=10_000)])
    initiator = StringField(_l("Who is behind the letter"),
                            validators=[Length(max=MAX_LENGTHS["initiator"])])
    contact_url = StringField(_l("Contact address (web page or mailto:)"), validators=[
        Optional(), Length(max=MAX_LENGTHS["contact_url"]), Regexp(CONTACT_URL, message=_l(
            "Write a web address starting with https://, or mailto: and an e-mail address."))])
    sign_until = StringField(_l("Signing closes after"), validators=[Optional(), _is_date])
    sectors = TextAreaField(_l("Sectors of the signing organisations"),
                            validators=[Length(max=5000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.data == LetterKind.LETTER:
            for name in NEEDED_FOR_A_LETTER:
                field = self[name]
                if not (field.data or "").strip() and not field.errors:
                    field.errors = [_l("A letter needs this; only a manifesto goes without.")]
                    valid = False
        if ((self.contact_phone.data or "").strip() or (self.contact_email.data or "").strip()
                ) and not (self.contact_name.data or "").strip():
            self.contact_name.errors = [_l("Name the contact person beside the phone or e-mail.")]
            valid = False
        return valid

    def letter_file(self, slug: str | None = None) -> LetterFile:
        """The fields, checked as a letter file's are; LetterFileError names the fields."""
        values: dict[str, object] = {name: self[name].data for name in FIELDS if name in self}
        for name, value in values.items():
            if isinstance(value, str):
                values[name] = value.replace("\r\n", "\n").strip()
        if slug is not None:
            values["slug"] = slug
        values["contact"] = {key: self[f"contact_{key}"].data.strip() for key in CONTACT_KEYS
                             if (self[f"contact_{key}"].data or "").strip()} or None
        return check_letter_fields(values, self.body.data.replace("\r\n", "\n"))

    def show_problems(self, error: LetterFileError) -> None:
        """Problems the file format found (rare, the form checks first) beside their fields."""
        for name, messages in error.fields.items():
            for message in messages:
                where = name
                if name == "contact":  # "phone may hold only ..." belongs beside the phone
                    where = f"contact_{message.split()[0]}"
                    where = where if where in self else "contact_name"
                target = self[where] if where in self else self.body
                target.errors = list(target.errors) + [message[:1].upper() + message[1:] + "."]

    def fill_from(self, letter: Letter) -> None:
        for name in FIELDS:
            if name in self and name not in ("date", "signatory_kinds", "sign_until"):
                self[name].data = getattr(letter, name)
        self.date.data = letter.letter_date.isoformat() if letter.letter_date else ""
        self.sign_until.data = letter.sign_until.isoformat() if letter.sign_until else ""
        for key in CONTACT_KEYS:
            self[f"contact_{key}"].data = getattr(letter, f"contact_{key}")
        self.signatory_kinds.data = letter.kinds
        self.body.data = letter.body


class EditLetterForm(LetterForm):
    slug = None  # a letter keeps its address
    revision = IntegerField(widget=HiddenInput(), validators=[DataRequired()])


class UploadForm(FlaskForm):
    """A letter file. Not a TextForm: this form takes a file."""
    letter_file = FileField(_l("Letter file (Markdown with YAML front matter, UTF-8)"),
                            validators=[FileRequired(_l("Choose a letter file."))])
    revision = HiddenField()


class ConfirmForm(TextForm):
    """A button: the CSRF token and nothing else."""


def _read_upload(form: UploadForm) -> LetterFile | None:
    """The uploaded file, parsed; None with the problems beside the field."""
    data = form.letter_file.data.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        form.letter_file.errors = [_(
            "The file is not UTF-8 text: line %(line)d holds the byte %(byte)s, which UTF-8 "
            "does not allow (the file was probably saved as Windows-1252 or Latin-1). Save it "
            "as UTF-8 and upload it again; nothing was stored.",
            line=line, byte=f"0x{data[error.start]:02X}")]
        return None
    try:
        return parse_letter_file(text)
    except LetterFileError as error:
        form.letter_file.errors = error.problems
        return None


# -- the list and a letter's page -----------------------------------------------------------

@blueprint.get("/letters")
@allow(Role.EDITOR)
def letters():
    status = request.args.get("status")
    statuses = (status,) if status in STATUS_LABELS else None
    return render_template("staff/letters/list.html", letters=letters_overview(statuses),
                           status=status if statuses else None, statuses=STATUS_LABELS)


def _letter_page(letter: Letter, upload: UploadForm | None = None, status: int = 200):
    overview = next(e for e in letters_overview((letter.status,)) if e.letter.id == letter.id)
    upload = upload or UploadForm(revision=str(letter.revision))
    return render_template(
        "staff/letters/show.html", letter=letter, overview=overview, counts=counts(letter),
        per_version=signatures_per_version(letter), statuses=STATUS_LABELS, upload=upload,
        confirm=ConfirmForm(), kinds=KIND_LABELS, moderations=MODERATION_LABELS,
        signatory_labels=SIGNATORY_LABELS), status


@blueprint.get("/letters/<slug>")
@allow(Role.EDITOR)
def letter(slug: str):
    return _letter_page(letter_or_404(slug))


# -- creating ---------------------------------------------------------------------------------

def _new_page(form: LetterForm | None = None, upload: UploadForm | None = None,
              status: int = 200):
    form = form or LetterForm(kind=LetterKind.LETTER, language="nl",
                              signatory_kinds=[SignatoryKind.ALDERPERSON,
                                               SignatoryKind.ORGANISATION])
    return render_template("staff/letters/new.html", form=form, upload=upload or UploadForm()
                           ), status


@blueprint.get("/letters/new")
@allow(Role.EDITOR)
def new_letter():
    return _new_page()


@blueprint.post("/letters/new")
@allow(Role.EDITOR)
def create_letter():
    form = LetterForm()
    if not form.validate_on_submit():
        return _new_page(form, status=400)
    try:
        letter = operations.import_letter(form.letter_file(), Actor.staff(current_user))
    except LetterFileError as error:
        db.session.rollback()
        if "already exists" in error.fields.get("slug", []):
            form.slug.errors = [_("A letter with this address exists already.")]
            return _new_page(form, status=409)
        form.show_problems(error)
        return _new_page(form, status=400)
    db.session.commit()
    return redirect(url_for(".letter", slug=letter.slug), code=303)


@blueprint.post("/letters/upload")
@allow(Role.EDITOR)
def upload_letter():
    upload = UploadForm()
    parsed = _read_upload(upload) if upload.validate_on_submit() else None
    if parsed is None:
        return _new_page(upload=upload, status=400)
    try:
        letter = operations.import_letter(parsed, Actor.staff(current_user))
    except LetterFileError as error:
        db.session.rollback()
        upload.letter_file.errors = error.problems
        return _new_page(upload=upload, status=409)
    db.session.commit()
    return redirect(url_for(".letter", slug=letter.slug), code=303)


# -- editing ----------------------------------------------------------------------------------

def _edit_page(letter: Letter, form: EditLetterForm, status: int = 200, conflict=None):
    return render_template("staff/letters/edit.html", letter=letter, form=form,
                           conflict=conflict, field_labels=FIELD_LABELS), status


@blueprint.get("/letters/<slug>/edit")
@allow(Role.EDITOR)
def edit_letter(slug: str):
    letter = letter_or_404(slug)
    if letter.status == LetterStatus.DELIVERED:
        raise NotAllowed(f"letter {slug} has been delivered")
    form = EditLetterForm(formdata=None)
    form.fill_from(letter)
    form.revision.data = letter.revision
    return _edit_page(letter, form)


def _conflict_page(slug: str, form: EditLetterForm, mine: LetterFile | None):
    """The letter as saved now beside the editor's own text, which is kept in the form."""
    db.session.rollback()
    letter = letter_or_404(slug)
    diff = queries.text_diff(queries.text_of(letter), queries.text_of(mine)) if mine else None
    form.revision.data = letter.revision  # saving again now replaces the other save, knowingly
    form.revision.raw_data = [str(letter.revision)]
    return _edit_page(letter, form, 409, conflict=diff)


@blueprint.post("/letters/<slug>/edit")
@allow(Role.EDITOR)
def save_letter(slug: str):
    letter, form = letter_or_404(slug), EditLetterForm()
    if not form.validate_on_submit():
        return _edit_page(letter, form, 400)
    try:
        parsed = form.letter_file(slug=letter.slug)
        operations.update_letter(letter, parsed, Actor.staff(current_user),
                                 expected_revision=form.revision.data)
    except LetterFileError as error:
        db.session.rollback()
        form.show_problems(error)
        return _edit_page(letter_or_404(slug), form, 400)
    except operations.EditConflict:
        return _conflict_page(slug, form, parsed)
    db.session.commit()
    return redirect(url_for(".letter", slug=slug), code=303)


@blueprint.post("/letters/<slug>/upload")
@allow(Role.EDITOR)
def replace_letter(slug: str):
    """A new letter file for an existing letter, as `flask letters update` takes it."""
    letter, upload = letter_or_404(slug), UploadForm()
    parsed = _read_upload(upload) if upload.validate_on_submit() else None
    if parsed is None:
        return _letter_page(letter, upload, 400)
    revision = upload.revision.data
    try:
        operations.update_letter(letter, parsed, Actor.staff(current_user),
                                 expected_revision=int(revision) if revision.isdigit() else None)
    except LetterFileError as error:
        db.session.rollback()
        upload.letter_file.errors = error.problems
        return _letter_page(letter_or_404(slug), upload, 400)
    except operations.EditConflict:
        db.session.rollback()
        upload.letter_file.errors = [_(
            "Someone else saved this letter after you opened this page; nothing was stored. "
            "Look at the letter as it is now, then upload your file again.")]
        letter = letter_or_404(slug)
        upload.revision.data = str(letter.revision)
        return _letter_page(letter, upload, 409)
    db.session.commit()
    return redirect(url_for(".letter", slug=slug), code=303)


# -- publishing, closing, reopening -----------------------------------------------------------

@blueprint.post("/letters/<slug>/<any(publish, close, reopen):action>")
@allow(Role.EDITOR)
def change_status(slug: str, action: str):
    letter = letter_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    change = {"publish": operations.publish_letter, "close": operations.close_letter,
              "reopen": operations.reopen_letter}[action]
    change(letter, Actor.staff(current_user))  # NotAllowed: 409
    db.session.commit()
    return redirect(url_for(".letter", slug=slug), code=303)


# -- previews and versions --------------------------------------------------------------------

@blueprint.get("/letters/<slug>/preview")
@allow(Role.EDITOR)
def preview_page(slug: str):
    letter = letter_or_404(slug)
    return render_template("staff/letters/preview.html", letter=letter, version=letter)


@blueprint.get("/letters/<slug>/preview.pdf")
@allow(Role.EDITOR)
def preview_pdf(slug: str):
    letter = letter_or_404(slug)
    if counts(letter).total > current_app.config["RENDER_IN_REQUEST_MAX"]:
        # Thousands of signatories take minutes: the worker renders it, that page follows it.
        return redirect(url_for(".pdf_status", slug=slug), code=303)
    return Response(render_letter_pdf(letter), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{letter.slug}-preview.pdf"'})


def _number(name: str, default: int) -> int:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 9 else default


@blueprint.get("/letters/<slug>/versions")
@allow(Role.EDITOR)
def versions(slug: str):
    letter = letter_or_404(slug)
    newest = letter.current_version.number if letter.current_version else 0
    old_number, new_number = _number("old", max(newest - 1, 1)), _number("new", newest)
    old = queries.find_version(letter, old_number)
    new = queries.find_version(letter, new_number)
    if letter.versions and (old is None or new is None):
        abort(404)
    diff = queries.version_diff(old, new) if old and new else []
    return render_template("staff/letters/versions.html", letter=letter, old=old, new=new,
                           diff=diff, per_version=signatures_per_version(letter),
                           field_labels=FIELD_LABELS)


# -- exports ----------------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

@blueprint.get("/letters/<slug>/export.<any(pdf, csv, json, xlsx):fmt>")
@allow(Role.EDITOR)
def export_letter(slug: str, fmt: str):
    """The same files as `flask letters export`: the signed PDF (rendered in the background:
    staff/pdf.py), every signature as CSV, JSON or XLSX (with e-mail addresses: for staff
    only), streamed."""
    letter = letter_or_404(slug)
    if fmt == "pdf":
        return redirect(url_for(".pdf_download", slug=slug), code=303)
    disposition = {"Content-Disposition": f'attachment; filename="{letter.slug}.{fmt}"'}
    if fmt == "xlsx":
        from ..signatures.exports_xlsx import xlsx_chunks  # openpyxl only where it is used

        return Response(stream_with_context(xlsx_chunks(letter)), mimetype=XLSX_TYPE,
                        headers=disposition)
    chunks = csv_chunks(letter) if fmt == "csv" else json_chunks(letter)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(stream_with_context(chunks), mimetype=mimetype,
                    headers=disposition)
