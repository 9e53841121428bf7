"""The facts the privacy statement (/privacy) states, read from the settings the code itself
acts on, so the statement cannot drift from what happens: who the controller is, and how long
each kind of data is kept."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

SECONDS_PER_DAY = 24 * 3600


@dataclass(frozen=True)
class PrivacyFacts:
    organisation_name: str
    organisation_address: str
    contact: str
    unconfirmed_days: int       # `flask letters purge-unconfirmed` deletes them after this
    network_hash_days: int      # ... and drops the keyed hash of the client network
    confirm_link_days: int
    withdraw_link_days: int

    @property
    def contact_is_address(self) -> bool:
        """A bare e-mail address gets a mailto: link; anything else is shown as written."""
        return "@" in self.contact and " " not in self.contact.strip()


def privacy_facts() -> PrivacyFacts:
    config = current_app.config
    return PrivacyFacts(
        organisation_name=config["ORGANISATION_NAME"],
        organisation_address=config["ORGANISATION_ADDRESS"],
        contact=config["PRIVACY_CONTACT"],
        unconfirmed_days=config["UNCONFIRMED_RETENTION_DAYS"],
        network_hash_days=config["CLIENT_NETWORK_RETENTION_DAYS"],
        confirm_link_days=config["CONFIRM_LINK_MAX_AGE"] // SECONDS_PER_DAY,
        withdraw_link_days=config["WITHDRAW_LINK_MAX_AGE"] // SECONDS_PER_DAY,
    )
