"""`flask demo`: a demo letter with confirmed signatures, so a new user sees a living page."""
from __future__ import annotations

import random
import secrets
from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from ..accounts.models import Role, StaffUser
from ..accounts.operations import create_user
from ..core.timeutil import utcnow
from ..extensions import db
from ..letters import operations as letter_operations
from ..letters.letterfile import LetterFile
from ..letters.models import Letter, SignatoryKind
from ..signatures.models import Review, Signature, SignatureState, Verification

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
ORGANISATION_KINDS = ["Stichting Openbaar Onderwijs", "Kinderopvang", "Jeugdzorg",
                      "Welzijnsorganisatie", "Sportservice", "Bibliotheek", "Stichting Kindcentra",
                      "Christelijk Onderwijs", "Buurtwerk", "Muziekschool"]
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


def _demo_file(slug: str) -> LetterFile:
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
        signatory_kinds=[SignatoryKind.ALDERPERSON, SignatoryKind.ORGANISATION],
        moderation="none",  # so a new user sees their own signature appear
    )


def _free_slug() -> str:
    taken = set(db.session.scalars(sa.select(Letter.slug).where(Letter.slug.like(DEMO_SLUG + "%"))))
    slug, number = DEMO_SLUG, 1
    while slug in taken:
        number += 1
        slug = f"{DEMO_SLUG}-{number}"
    return slug


def _confirmed(letter: Letter, number: int, moment, **fields) -> Signature:
    return Signature(
        letter=letter, version=letter.current_version, state=SignatureState.CONFIRMED,
        review=Review.NOT_NEEDED, verification=Verification.INVITED, invited=True,
        email=f"ondertekenaar-{number}@demo.example.org", public=True,
        created_at=moment, confirmed_at=moment, **fields)


def create_demo_letter(signatures: int, seed: int = 2021) -> Letter:
    """A published open letter with `signatures` confirmed signatures (staff commit it)."""
    # Demo names, not secrets.
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    letter = letter_operations.import_letter(_demo_file(_free_slug()), "demo")
    letter_operations.publish_letter(letter, "demo")
    start = utcnow() - timedelta(days=30)
    step = timedelta(days=30) / max(signatures, 1)
    # Every demo person a different name, as in a real list.
    people = [f"{first} {last}" for first in FIRST_NAMES for last in SURNAMES]
    rng.shuffle(people)
    rows = []
    for number in range(signatures):
        if number == 0:
            rows.append(_confirmed(letter, 0, start, kind=SignatoryKind.ALDERPERSON, lead=True,
                                   name="Marieke de Groot", role="wethouder",
                                   municipality="Utrecht"))
            continue
        person = people[number % len(people)]
        if number >= len(people):
            person = f"{chr(65 + number // len(people) % 26)}. {person}"
        moment = start + step * number
        if number % 3:
            # Most municipalities send one alderperson, a few two or three.
            municipality = MUNICIPALITIES[(number * 7) % len(MUNICIPALITIES)]
            rows.append(_confirmed(letter, number, moment, kind=SignatoryKind.ALDERPERSON,
                                   name=person, role="wethouder", municipality=municipality))
        else:
            place = rng.choice(MUNICIPALITIES)
            rows.append(_confirmed(letter, number, moment, kind=SignatoryKind.ORGANISATION,
                                   name=person, role=rng.choice(ORGANISATION_ROLES),
                                   organisation=f"{rng.choice(ORGANISATION_KINDS)} {place}"))
    db.session.add_all(rows)
    db.session.flush()
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
