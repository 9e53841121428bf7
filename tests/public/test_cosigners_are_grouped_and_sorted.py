"""How co-signers are listed: Dutch filing order, one line per municipality, roles in plural."""
from __future__ import annotations

import pytest

from campaign.core.collation import sort_key
from campaign.signatures.models import Signature
from campaign.signatures.operations import clean_municipality
from campaign.signatures.queries import alderperson_line, join_names, lead_line, plural_role


def test_municipalities_sort_as_a_dutch_reader_files_them():
    names = ["Tilburg", "Súdwest-Fryslân", "'s-Hertogenbosch", "Sittard-Geleen", "Groningen",
             "’s-Gravenhage", "Leiden", "Ede", "Eemsdelta", "Den Helder", "Zaanstad", "'t Zandt"]
    assert sorted(names, key=sort_key) == [
        "Den Helder", "Ede", "Eemsdelta", "’s-Gravenhage", "Groningen", "'s-Hertogenbosch",
        "Leiden", "Sittard-Geleen", "Súdwest-Fryslân", "Tilburg", "Zaanstad", "'t Zandt"]


def test_sort_key_folds_case_accents_and_numbers():
    assert sort_key("ÉCOLE Één") == sort_key("ecole een")
    assert sort_key("School 2") < sort_key("School 10")
    assert sort_key(None) == sort_key("") == ""


def _alderperson(name, municipality="Tilburg", role="wethouder"):
    return Signature(kind="alderperson", name=name, municipality=municipality, role=role)


def test_one_alderperson_per_line():
    assert alderperson_line([_alderperson("Anna")], "nl") == "Anna, wethouder gemeente Tilburg"
    assert alderperson_line([_alderperson("Anna", role=None)], "nl") == \
        "Anna, wethouder gemeente Tilburg"
    assert alderperson_line([_alderperson("Anna", role=None)], "en") == \
        "Anna, alderperson, municipality of Tilburg"


def test_alderpersons_of_one_municipality_share_a_line():
    two = [_alderperson("Anna"), _alderperson("Bert")]
    assert alderperson_line(two, "nl") == "Anna en Bert, wethouders gemeente Tilburg"
    three = two + [_alderperson("Cor")]
    assert alderperson_line(three, "nl") == "Anna, Bert en Cor, wethouders gemeente Tilburg"
    english = [_alderperson("Anna", role=None), _alderperson("Bert", role="alderperson")]
    assert alderperson_line(english, "en") == \
        "Anna and Bert, alderpersons, municipality of Tilburg"


def test_different_roles_on_one_line_each_keep_their_own():
    mixed = [_alderperson("Anna", role="burgemeester"), _alderperson("Bert")]
    assert alderperson_line(mixed, "nl") == \
        "Anna (burgemeester) en Bert (wethouder), gemeente Tilburg"


@pytest.mark.parametrize("role, plural", [
    ("wethouder", "wethouders"), ("Wethouder", "Wethouders"),
    ("wethouder Onderwijs", "wethouders Onderwijs"), ("gedeputeerde", "gedeputeerden"),
    ("raadslid", "raadsleden"), ("portefeuillehouder", None),
])
def test_plural_roles(role, plural):
    assert plural_role(role, "nl") == plural


def test_names_are_joined_the_dutch_way():
    assert join_names(["A"], "nl") == "A"
    assert join_names(["A", "B", "C"], "nl") == "A, B en C"
    assert join_names(["A", "B"], "en") == "A and B"


def test_lead_lines():
    assert lead_line(_alderperson("Anna", "Utrecht"), "nl") == "Anna, wethouder gemeente Utrecht"
    organisation = Signature(kind="organisation", name="Sara Visser", role="directeur",
                             organisation="Kinderopvang Zon")
    assert lead_line(organisation, "nl") == "Sara\u00a0Visser, directeur, Kinderopvang Zon"


def test_typed_gemeente_is_left_to_the_letter():
    assert clean_municipality("Gemeente  Utrecht") == "Utrecht"
    assert clean_municipality("municipality of Delft") == "Delft"
    assert clean_municipality("Gemert-Bakel") == "Gemert-Bakel"


def test_place_names_never_break_inside_and_names_are_escaped():
    from campaign.core.templating import keep_together
    line = "Anna <b>&</b> Bert, wethouders gemeente Alphen aan den Rijn"
    # The line may break after the names, never inside "wethouders gemeente …".
    assert str(keep_together(line)) == (
        "Anna &lt;b&gt;&amp;&lt;/b&gt; Bert, "
        '<span class="nowrap">wethouders gemeente Alphen aan den Rijn</span>')
    long_role = "Anna Bos, wethouder Onderwijs Jeugd en Zorg gemeente Alphen aan den Rijn"
    assert str(keep_together(long_role)).endswith(
        'Jeugd en Zorg <span class="nowrap">gemeente Alphen aan den Rijn</span>')
    assert str(keep_together("Stichting 's-Hertogenbosch Noord")) == \
        'Stichting <span class="nowrap">&#39;s-Hertogenbosch</span> Noord'


def test_roles_differing_only_in_case_still_share_the_plural():
    mixed_case = [_alderperson("Anna", role="Wethouder"), _alderperson("Bert")]
    assert alderperson_line(mixed_case, "nl") == "Anna en Bert, Wethouders gemeente Tilburg"


def test_a_name_never_breaks_inside_unless_it_is_very_long():
    assert alderperson_line([_alderperson("Yara de Vries")], "nl") == \
        "Yara\u00a0de\u00a0Vries, wethouder gemeente Tilburg"
    long_name = "Anna Maria Catharina van der Heijden-Oostveen"
    assert alderperson_line([_alderperson(long_name)], "nl").startswith(long_name)
