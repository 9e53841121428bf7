"""Staff at the command line are warned, on stderr, when a command writes links (mail it queues
or sends, the PDF) while BASE_URL is still the built-in default that points at this machine."""
from __future__ import annotations

import pytest

from campaign.config import DEFAULT_BASE_URL
from helpers.staff import Staff

INVITEES = ("name,email,kind,role,municipality,organisation,lead\n"
            "Lea,lea@tilburg.nl,alderperson,wethouder,Tilburg,,yes\n")


def _commands(staff: Staff, slug: str, tmp_path) -> list[list[str]]:
    return [["letters", "invite", slug, staff.write("invitees.csv", INVITEES)],
            ["letters", "resend-invitations", slug],
            ["outbox", "send", "--once"],
            ["letters", "export", slug, "--format", "pdf", "--output",
             str(tmp_path / "letter.pdf")]]


def test_commands_that_write_links_warn_while_base_url_is_the_default(make_app, tmp_path):
    staff = Staff(make_app(BASE_URL=DEFAULT_BASE_URL), tmp_path)
    slug = staff.publish_letter()
    for command in _commands(staff, slug, tmp_path):
        result = staff.run(*command)
        assert result.exit_code == 0, (command, result.output)
        assert "BASE_URL is not set" in result.stderr, command
        assert "BASE_URL" not in result.stdout, command


@pytest.mark.parametrize("command", [["letters", "close"], ["letters", "review"]])
def test_commands_without_links_do_not_warn(make_app, tmp_path, command):
    staff = Staff(make_app(BASE_URL=DEFAULT_BASE_URL), tmp_path)
    slug = staff.publish_letter()
    assert "BASE_URL" not in staff.run(*command, slug).stderr


def test_no_warning_once_base_url_is_set(staff, tmp_path):
    slug = staff.publish_letter()
    for command in _commands(staff, slug, tmp_path):
        assert "BASE_URL" not in staff.run(*command).stderr, command
