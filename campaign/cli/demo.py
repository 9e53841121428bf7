"""`flask demo`: a demo letter with confirmed signatures, so a new user sees a living page."""
from __future__ import annotations

import functools
import random
import secrets
from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from .. import audit
from ..accounts.models import Role, StaffUser
from ..accounts.operations import create_user
from ..core.collation import search_key, sort_key
from ..core.timeutil import utcnow
from ..directory.queries import municipalities
from ..extensions import db
from ..letters import operations as letter_operations
from ..letters.letterfile import LetterFile
from ..letters.models import Letter, SignatoryKind
from ..signatures.models import Review, Signature, SignatureState, Verification, new_token_nonce

DEMO_SLUG = "gelijke-kansen-in-het-onderwijs"
DEMO_ADMIN = "admin@demo.example.org"

MUNICIPALITIES = [
    "Almere", "Amersfoort", "Amsterdam", "Apeldoorn", "Arnhem", "Assen", "Breda", "Delft",
    "Den Haag", "Deventer", "Dordrecht", "Ede", "Eindhoven", "Emmen", "Enschede", "Gouda",
    "Groningen", "Haarlem", "Heerlen", "Helmond", "Hengelo", "'s-Hertogenbosch", "Hilversum",
    "Hoorn", "Leeuwarden", "Leiden", "Lelystad", "Maastricht", "Nijmegen", "Oss", "Roermond",
    "Rotterdam", "Schiedam", "Sittard-Geleen", "Súdwest-Fryslân", "Tilburg", "Utrecht", "Venlo",
    "Vlaardingen", "Zaanstad", "Zoetermeer", "Zwolle", "Alphen aan den Rijn", "Bergen op Zoom",
    "Capelle aan den IJssel", "Den Helder", "Kerkrade", "Noardeast-Fryslân", "Oldambt", "Westland",
]
FIRST_NAMES = ["Anouk", "Bram", "Carla", "Daan", "Esra", "Fleur", "Gijs", "Hanna", "Ilse", "Jeroen",
               "Karim", "Lotte", "Mehmet", "Noor", "Olaf", "Petra", "Quinten", "Rosa", "Sander",
               "Tessa", "Umar", "Vera", "Willem", "Yara", "Zeynep", "Joost", "Marieke", "Sven"]
SURNAMES = ["de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
            "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Yılmaz",
            "El Amrani", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Kramer", "van der Meer",
            "Koster", "Prins", "Huisman", "Postma", "Kuipers", "Öztürk", "Hoekstra"]
# The demo letter's sectors, and the sector of each kind of organisation that signs it.
DEMO_SECTORS = ["onderwijs", "kinderopvang", "jeugdzorg", "welzijn", "sport en cultuur"]
ORGANISATION_KINDS = [("Stichting Openbaar Onderwijs", "onderwijs"),
                      ("Kinderopvang", "kinderopvang"), ("Jeugdzorg", "jeugdzorg"),
                      ("Welzijnsorganisatie", "welzijn"), ("Sportservice", "sport en cultuur"),
                      ("Bibliotheek", "sport en cultuur"), ("Stichting Kindcentra", "kinderopvang"),
                      ("Christelijk Onderwijs", "onderwijs"), ("Buurtwerk", "welzijn"),
                      ("Muziekschool", "sport en cultuur")]
SUPPORTER_ROLES = ["leerkracht", "ouder", "pedagogisch medewerker", "jongerenwerker",
                   "intern begeleider", "schoolleider", "buurtsportcoach", "jeugdarts"]
ORGANISATION_ROLES = ["directeur-bestuurder", "voorzitter", "bestuurder", "directeur",
                      "voorzitter college van bestuur"]

DEMO_BODY = """\
Wij schrijven u namens een brede alliantie van gemeenten, scholen, kinderopvang, jeugdzorg en
welzijnsorganisaties. Wij delen één overtuiging: de kansen van een kind mogen niet afhangen van
de postcode waar het opgroeit of van het opleidingsniveau van zijn ouders.

## Wat wij zien

In onze gemeenten zien wij dagelijks hoe groot de verschillen zijn. Kinderen die thuis minder
steun krijgen, beginnen al met een achterstand aan groep 3. Die achterstand groeit in de loop van
de schoolloopbaan, ondanks de inzet van leraren, pedagogisch medewerkers en jongerenwerkers.

Wat werkt, weten wij inmiddels goed:

1. vroege voorschoolse educatie van hoge kwaliteit, voor ieder kind dat dat nodig heeft;
2. een rijke schooldag, waarin sport, cultuur en huiswerkbegeleiding voor alle kinderen
   bereikbaar zijn;
3. een stevige samenwerking tussen school, opvang, jeugdzorg en wijk.

> "Gelijke kansen ontstaan niet in één klaslokaal, maar in de hele wijk." — een schoolleider uit
> onze alliantie

## Wat wij vragen

Wij vragen u de middelen voor kansengelijkheid **structureel** te maken, zodat gemeenten en
scholen langjarig kunnen plannen, en de verantwoording te vereenvoudigen, zodat het geld bij de
kinderen terechtkomt en niet in formulieren.

Wij nodigen u van harte uit om met ons in gesprek te gaan en een van onze gemeenten te bezoeken.
"""


DEMO_TITLE = "Open brief: gelijke kansen voor ieder kind"


def _demo_file(slug: str, supporters: bool = False) -> LetterFile:
    # A second demo letter gets a title of its own ("… (2)"), as it gets a slug of its own.
    number = slug.removeprefix(DEMO_SLUG).lstrip("-")
    return LetterFile(
        title=f"{DEMO_TITLE} ({number})" if number else DEMO_TITLE,
        slug=slug,
        body=DEMO_BODY,
        kind="letter",
        language="nl",
        addressee="Aan de minister van Onderwijs, Cultuur en Wetenschap\nPostbus 16375\n"
                  "2500 BJ Den Haag",
        place="Utrecht",
        date=date.today(),
        salutation="Geachte minister,",
        closing="Hoogachtend,",
        letterhead="Alliantie Gelijke Kansen\nPostbus 1234, 3500 AA Utrecht\n"
                   "www.gelijkekansen.example.org\nKvK 12345678",
        signatory_kinds=[SignatoryKind.ALDERPERSON, SignatoryKind.ORGANISATION]
        + ([SignatoryKind.INDIVIDUAL] if supporters else []),
        moderation="none",  # so a new user sees their own signature appear
        sectors=DEMO_SECTORS,
    )


def _free_slug() -> str:
    taken = set(db.session.scalars(sa.select(Letter.slug).where(Letter.slug.like(DEMO_SLUG + "%"))))
    slug, number = DEMO_SLUG, 1
    while slug in taken:
        number += 1
        slug = f"{DEMO_SLUG}-{number}"
    return slug


# Demo rows go in with Core INSERTs of this many rows each: 100,000 in well under a minute.
BATCH = 5000
# Verification levels mixed as on a real letter: mostly invited or by mail domain.
LEVELS = ([Verification.INVITED] * 4 + [Verification.DOMAIN] * 3 + [Verification.STAFF]
          + [Verification.MAILBOX] * 2)


@functools.lru_cache(maxsize=4096)
def _place_key(text: str | None) -> str:
    """sort_key of the few hundred municipalities and organisations, each computed once."""
    return sort_key(text)[:200]


def _row(letter: Letter, number: int, moment, level: str, **fields) -> dict:
    """A confirmed signature as the values of one INSERT, with the keys the models would store."""
    name, organisation = fields.get("name"), fields.get("organisation")
    municipality = fields.get("municipality")
    row = dict(
        letter_id=letter.id, version_id=letter.current_version.id,
        state=SignatureState.CONFIRMED, review=Review.NOT_NEEDED, verification=level,
        verified_domain=None, invited=level == Verification.INVITED, public=True,
        email=f"ondertekenaar-{number}@demo.example.org", token_nonce=new_token_nonce(),
        created_at=moment, confirmed_at=moment, lead=False, lead_order=None, role=None,
        organisation=None, municipality=None, directory_entry_id=None, sector=None,
        name_key=sort_key(name)[:200], municipality_key=_place_key(municipality),
        organisation_key=_place_key(organisation),
        search_key=search_key(name, organisation, municipality))
    row.update(fields)
    return row


def _municipalities() -> list[tuple[str, int | None]]:
    """The directory's current municipalities (name, entry id); the short list without one."""
    found = [(entry.name, entry.id) for entry in municipalities()]
    return found or [(name, None) for name in MUNICIPALITIES]


def _insert(rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(Signature.__table__), rows)


def create_demo_letter(signatures: int, seed: int = 2021) -> Letter:
    """A published open letter with `signatures` confirmed signatures of alderpersons of the
    directory's municipalities and of organisations there, verified in mixed ways, written in
    bulk (staff commit it)."""
    # Demo names, not secrets.
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    places = _municipalities()
    # Most municipalities send one alderperson, a few two or three: once there are no seats
    # left, a large demo letter is signed by individual supporters as well.
    seats = places + places[::4] + places[::10]
    rng.shuffle(seats)
    supporters = signatures * 2 // 3 > len(seats)
    letter = letter_operations.import_letter(_demo_file(_free_slug(), supporters), "demo")
    letter_operations.publish_letter(letter, "demo")
    db.session.flush()
    start = utcnow() - timedelta(days=30)
    step = timedelta(days=30) / max(signatures, 1)
    utrecht = next((entry for name, entry in places if name == "Utrecht"), None)
    # Every demo person a different name, as in a real list.
    people = [f"{first} {last}" for first in FIRST_NAMES for last in SURNAMES]
    rng.shuffle(people)
    rows: list[dict] = []
    for number in range(signatures):
        if number == 0:
            rows.append(_row(letter, 0, start, Verification.INVITED,
                             kind=SignatoryKind.ALDERPERSON, lead=True, lead_order=1,
                             name="Marieke de Groot", role="wethouder", municipality="Utrecht",
                             directory_entry_id=utrecht))
            continue
        person = people[number % len(people)]
        if number >= len(people):  # "Anouk M. de Vries": a second initial, as many sign
            first, last = person.split(" ", 1)
            person = f"{first} {chr(65 + number // len(people) % 26)}. {last}"
        moment = start + step * number
        level = LEVELS[rng.randrange(len(LEVELS))]
        if number % 3 and seats:
            municipality, entry = seats.pop()
            rows.append(_row(letter, number, moment, level, kind=SignatoryKind.ALDERPERSON,
                             name=person, role="wethouder", municipality=municipality,
                             directory_entry_id=entry))
        elif number % 3:
            rows.append(_row(letter, number, moment, level, kind=SignatoryKind.INDIVIDUAL,
                             name=person, role=rng.choice(SUPPORTER_ROLES)))
        else:
            place = rng.choice(places)[0]
            organisation_kind, sector = rng.choice(ORGANISATION_KINDS)
            rows.append(_row(letter, number, moment, level, kind=SignatoryKind.ORGANISATION,
                             name=person, role=rng.choice(ORGANISATION_ROLES),
                             organisation=f"{organisation_kind} {place}", sector=sector))
        if len(rows) == BATCH:
            _insert(rows)
            rows = []
    _insert(rows)
    # The public pages' caches see the change (signatures.browse.public_version).
    audit.record("demo", "letter.demo_signatures", letter=letter, count=signatures)
    db.session.flush()
    if signatures >= BATCH and db.session.get_bind().dialect.name == "postgresql":
        # After a bulk load the planner needs fresh statistics, or it takes the wrong index
        # until autovacuum comes by (a list page then reads every signature).
        db.session.execute(sa.text("ANALYZE signature"))
    return letter


@click.command("demo")
@click.option("--signatures", default=60, show_default=True, type=click.IntRange(0, 100_000),
              help="How many confirmed signatures to add.")
@with_appcontext
def demo_command(signatures: int) -> None:
    """Create a published demo letter with confirmed signatures; print its slug."""
    letter = create_demo_letter(signatures)
    db.session.commit()
    click.echo(letter.slug)


@click.command("demo-if-empty", hidden=True)
@with_appcontext
def demo_if_empty_command() -> None:
    """Used by `make run`: a demo letter on a database without letters."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Letter)):
        return
    letter = create_demo_letter(60)
    base = current_app.config["BASE_URL"]
    password = None
    if not db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)):
        password = secrets.token_urlsafe(12)
        create_user(DEMO_ADMIN, Role.ADMIN, password, "demo", name="Demo admin")
    db.session.commit()
    click.echo(f"Demo letter: {base}/letters/{letter.slug}")
    if password:
        click.echo(f"Staff workspace: {base}/staff/ — log in as {DEMO_ADMIN} with password "
                   f"{password} (shown once; make your own account with 'flask staff create')")
