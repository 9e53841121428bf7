"""The public sign form. Its field names are a documented interface (README: "The sign form")."""
from __future__ import annotations

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from ..core.forms import TextForm
from ..core.text import clean_line
from ..directory.queries import resolve_municipality
from ..letters.models import SignatoryKind
from ..signatures.operations import clean_municipality, deliverable_local_part
from ..signatures.verification import website_host

# Who may sign, as the sign form lists them ("Who may sign this letter: …").
KIND_NAMES = {
    SignatoryKind.ALDERPERSON: _l("alderpersons of a Dutch municipality"),
    SignatoryKind.ORGANISATION: _l("organisations (through a contact person)"),
    SignatoryKind.INDIVIDUAL: _l("individual supporters"),
}


KIND_LABELS = {
    SignatoryKind.ALDERPERSON: _l("As an alderperson (wethouder) of a municipality"),
    SignatoryKind.ORGANISATION: _l("On behalf of an organisation"),
    SignatoryKind.INDIVIDUAL: _l("As an individual"),
}


def _stripped(value: str | None) -> str | None:
    """Without control, bidi or zero-width characters (a NUL cannot even be stored), white space
    folded."""
    return clean_line(value) if isinstance(value, str) else value


class SignForm(TextForm):
    kind = RadioField(_l("I sign"), validate_choice=False,
                      validators=[InputRequired(_l("Choose how you sign."))])
    # DataRequired looks at the name after _stripped: "   " is no name.
    name = StringField(_l("Your name"), filters=[_stripped], validators=[
        DataRequired(_l("Fill in your name.")),
        Length(max=200, message=_l("At most 200 characters."))])
    role = StringField(_l("Role or position"), filters=[_stripped], validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters."))])
    organisation = StringField(_l("Organisation"), filters=[_stripped], validators=[
        Length(max=200, message=_l("At most 200 characters."))])
    municipality = StringField(_l("Municipality"), filters=[_stripped], validators=[
        Length(max=200, message=_l("At most 200 characters."))])
    # Offered only when the letter lists sectors (letter file: `sectors`); then required for an
    # organisation, and ignored for the other kinds.
    sector = SelectField(_l("Sector of your organisation"), validate_choice=False,
                         filters=[_stripped])
    email = EmailField(_l("E-mail address"), filters=[_stripped], validators=[
        InputRequired(_l("Fill in your e-mail address.")),
        Length(max=254, message=_l("At most 254 characters.")),
        Email(_l("This is not a valid e-mail address."), check_deliverability=False)])
    website = StringField(_l("Website of your organisation or municipality"),
                          filters=[_stripped], validators=[
        Optional(), Length(max=300, message=_l("At most 300 characters."))])
    # Not ticked in advance: showing a name needs consent given, not assumed.
    public = BooleanField(_l("My name may be shown with the letter"), default=False)
    # Opt-in, never ticked in advance (followup.notifications).
    notify = BooleanField(_l("Mail me once when the letter is delivered and once when it is "
                             "answered"), default=False)
    # DataRequired, not InputRequired: "consent=false" is input, but no consent.
    consent = BooleanField(_l("I agree to the privacy statement"), validators=[
        DataRequired(_l("You can only sign if you agree to the privacy statement."))])

    def __init__(self, kinds: list[str], *args: object, sectors: list[str] | None = None,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind, KIND_LABELS[kind]) for kind in kinds]
        if len(kinds) == 1 and not self.kind.data:
            self.kind.data = kinds[0]
        self.sectors = list(sectors or []) if SignatoryKind.ORGANISATION in kinds else []
        self.sector.choices = [("", _("Choose a sector"))] + [(s, s) for s in self.sectors]

    @property
    def asks_sector(self) -> bool:
        """Whether the form shows the sector field: the letter lists sectors, and organisations
        sign it."""
        return bool(self.sectors)

    def chosen_sector(self) -> str:
        """The sector to store: an organisation's choice on a letter with sectors, else none."""
        if self.asks_sector and self.kind.data == SignatoryKind.ORGANISATION:
            return self.sector.data or ""
        return ""

    def who_may_sign(self) -> str:
        """"alderpersons of a Dutch municipality and individual supporters"."""
        return format_list([str(KIND_NAMES[kind]) for kind, _label in self.kind.choices],
                           locale=str(get_locale()))

    def validate_kind(self, field: RadioField) -> None:
        # RadioField's own check says "Not a valid choice" in English; say it our way.
        if field.data not in dict(field.choices):
            raise ValidationError(_l("Choose how you sign."))

    def validate_municipality(self, field: StringField) -> None:
        if self.kind.data != SignatoryKind.ALDERPERSON:
            return
        typed = clean_municipality(field.data or "")
        if not typed:
            raise ValidationError(_l("Fill in the municipality you are alderperson of."))
        found = resolve_municipality(typed)
        if found.entry is None and found.suggestions:
            raise ValidationError(_("We do not know the municipality “%(name)s”. Did you mean: "
                                    "%(names)s?", name=typed,
                                    names=format_list(found.suggestions, style="or",
                                                      locale=str(get_locale()))))
        if found.entry is None:
            raise ValidationError(_("We do not know the municipality “%(name)s”. Write its "
                                    "name as the municipality itself does, e.g. "
                                    "'s-Hertogenbosch or Súdwest-Fryslân.", name=typed))

    def validate_organisation(self, field: StringField) -> None:
        if self.kind.data == SignatoryKind.ORGANISATION and not field.data:
            raise ValidationError(_l("Fill in the organisation you sign for."))

    def validate_sector(self, field: SelectField) -> None:
        if not self.asks_sector or self.kind.data != SignatoryKind.ORGANISATION:
            return
        if not field.data:
            raise ValidationError(_l("Choose the sector your organisation works in."))
        if field.data not in self.sectors:
            raise ValidationError(_l("Choose one of the sectors in the list."))

    def validate_email(self, field: EmailField) -> None:
        if not deliverable_local_part(field.data or ""):
            raise ValidationError(_l("We cannot send mail to an address with accents or other "
                                     "special characters before the @. Please use another "
                                     "address."))

    def validate_website(self, field: StringField) -> None:
        if field.data and website_host(field.data) is None:
            raise ValidationError(_l("This is not a web address, e.g. www.example.nl."))
