"""The directory ships every Dutch municipality (1 January 2025), the provinces and the
ministries, with the names people type and their mail domains; staff update it from CBS's list,
tie domains to entries and enter organisations they vouch for; the API lists the municipalities."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.directory.models import DirectoryEntry, EntryKind
from campaign.directory.queries import resolve_municipality
from campaign.extensions import db
from helpers.pages import visible_text
from helpers.signers import SIGNER


def _entries(app, kind: str) -> dict[str, DirectoryEntry]:
    with app.app_context():
        entries = db.session.scalars(sa.select(DirectoryEntry).where(
            DirectoryEntry.kind == kind).options(sa.orm.selectinload(DirectoryEntry.names),
                                                  sa.orm.selectinload(DirectoryEntry.domains)))
        return {entry.code: entry for entry in entries}


@pytest.mark.parametrize(("code", "name", "province", "other_name", "domain"), [
    ("GM0796", "'s-Hertogenbosch", "PV30", "Den Bosch", "s-hertogenbosch.nl"),
    ("GM0518", "'s-Gravenhage", "PV28", "Den Haag", "denhaag.nl"),
    ("GM0363", "Amsterdam", "PV27", None, "amsterdam.nl"),
    ("GM0344", "Utrecht", "PV26", None, "utrecht.nl"),
    ("GM1900", "Súdwest-Fryslân", "PV21", "Zuidwest-Friesland", "sudwestfryslan.nl"),
    ("GM0080", "Leeuwarden", "PV21", "Ljouwert", "leeuwarden.nl"),
    ("GM0373", "Bergen (NH.)", "PV27", "Bergen Noord-Holland", "bergen-nh.nl"),
    ("GM0893", "Bergen (L.)", "PV31", "Bergen Limburg", "bergen.nl"),
    ("GM1992", "Voorne aan Zee", "PV28", None, "voorneaanzee.nl"),
    ("GM0935", "Maastricht", "PV31", None, "maastricht.nl"),
])
def test_the_directory_knows_a_sample_of_municipalities(app, code, name, province, other_name,
                                                        domain):
    municipalities = _entries(app, EntryKind.MUNICIPALITY)
    assert len(municipalities) == 342
    entry = municipalities[code]
    assert (entry.name, entry.province_code) == (name, province)
    assert domain in entry.domain_names
    if other_name:
        assert other_name in [n.name for n in entry.names]
        with app.app_context():
            assert resolve_municipality(other_name).entry.code == code


def test_merged_municipalities_are_gone_and_their_successors_there(app):
    names = {entry.name for entry in _entries(app, EntryKind.MUNICIPALITY).values()}
    assert {"Brielle", "Hellevoetsluis", "Westvoorne", "Weesp", "Heerhugowaard"}.isdisjoint(names)
    assert {"Voorne aan Zee", "Dijk en Waard", "Land van Cuijk", "Maashorst"} <= names


def test_the_directory_knows_the_provinces_and_ministries(app):
    provinces = _entries(app, EntryKind.PROVINCE)
    assert len(provinces) == 12 and provinces["PV21"].name == "Fryslân"
    assert "provincie-utrecht.nl" in provinces["PV26"].domain_names
    ministries = _entries(app, EntryKind.MINISTRY)
    assert "minocw.nl" in ministries["OCW"].domain_names
    assert ministries["OCW"].name == "Ministerie van Onderwijs, Cultuur en Wetenschap"


@pytest.mark.parametrize("typed", ["Den Bosch", "gemeente 's-Hertogenbosch", "s-hertogenbosch",
                                   "'S-HERTOGENBOSCH", "Gemeente  Den  Bosch", "hertogenbosch"])
def test_what_people_type_resolves_to_one_municipality(app, typed):
    with app.app_context():
        assert resolve_municipality(typed).entry.code == "GM0796"


def test_the_api_lists_every_municipality_with_its_domains(client):
    answer = client.get("/api/municipalities").json
    assert len(answer["items"]) == 342
    by_code = {item["code"]: item for item in answer["items"]}
    assert by_code["GM0796"] == {"code": "GM0796", "name": "'s-Hertogenbosch",
                                 "province": "PV30", "domains": ["s-hertogenbosch.nl"]}
    names = [item["name"] for item in answer["items"]]
    # Dutch order: 's-Hertogenbosch under H, Súdwest-Fryslân between Sittard-Geleen and Tilburg
    assert names.index("Hengelo") < names.index("'s-Hertogenbosch") < names.index("Heusden")
    assert names.index("Sittard-Geleen") < names.index("Súdwest-Fryslân") < names.index("Tilburg")


CBS_LIST = """\
Gemeentecode;GemeentecodeGM;Gemeentenaam;Provinciecode;ProvinciecodePV;Provincienaam
0796;GM0796;'s-Hertogenbosch;30;PV30;Noord-Brabant
9999;GM9999;Nieuwegemeente;26;PV26;Utrecht
"""


def test_staff_update_the_municipalities_from_cbss_list(app, staff, browser):
    result = staff.run("directory", "import", staff.write("gemeenten.csv", CBS_LIST))
    assert result.exit_code == 0, result.output
    assert "added    GM9999 Nieuwegemeente" in result.output
    assert "1 added, 0 renamed, 341 ended, 1 unchanged" in result.output
    with app.app_context():
        assert resolve_municipality("Nieuwegemeente").entry.code == "GM9999"
        assert resolve_municipality("Utrecht").entry is None  # no longer on CBS's list
    slug = staff.publish_letter()
    ended = browser.submit(f"/letters/{slug}/sign", SIGNER)
    assert ended.status_code == 400 and "Utrecht" in visible_text(ended.text)


@pytest.mark.parametrize("text", ["", "Gemeentecode;Naam\n1;x\n", "code;name\n\x00"])
def test_a_file_that_is_not_cbss_list_is_refused_and_nothing_stored(app, staff, text):
    result = staff.run("directory", "import", staff.write("junk.csv", text))
    assert result.exit_code != 0 and "nothing was stored" in result.output
    assert len(_entries(app, EntryKind.MUNICIPALITY)) == 342


def test_staff_tie_and_untie_a_municipalitys_mail_domain(app, staff):
    added = staff.run("directory", "add-domain", "GM0344", "https://www.Utrecht-Stad.NL/")
    assert added.exit_code == 0 and "utrecht-stad.nl now verifies" in added.output
    shown = staff.run("directory", "show", "Utrecht")
    assert "domain: utrecht-stad.nl" in shown.output
    taken = staff.run("directory", "add-domain", "GM0363", "utrecht-stad.nl")
    assert taken.exit_code != 0 and "belongs to Utrecht already" in taken.output
    assert staff.run("directory", "remove-domain", "GM0344", "utrecht-stad.nl").exit_code == 0
    assert "utrecht-stad.nl" not in _entries(app, EntryKind.MUNICIPALITY)["GM0344"].domain_names
    for bad in ("not a domain", "utrecht", "@", "x" * 300 + ".nl"):
        refused = staff.run("directory", "add-domain", "GM0344", bad)
        assert refused.exit_code != 0 and "nothing was changed" in refused.output


@pytest.mark.parametrize("kvk", ["1234567", "123456789", "KVK12345678", ""])
def test_an_organisation_needs_a_kvk_number_of_eight_digits(app, staff, kvk):
    result = staff.run("directory", "add-organisation", "Stichting X", "--kvk", kvk)
    assert result.exit_code != 0 and "nothing was changed" in result.output
    assert _entries(app, EntryKind.ORGANISATION) == {}
