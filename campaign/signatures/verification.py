"""Whether a signer's mailbox belongs to the organisation or municipality they sign for."""
from __future__ import annotations

from urllib.parse import urlsplit

# Mailboxes anyone can open say nothing about an organisation.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl",
    "live.com", "live.nl", "msn.com", "yahoo.com", "yahoo.nl", "icloud.com", "me.com", "mac.com",
    "aol.com", "gmx.com", "gmx.net", "proton.me", "protonmail.com", "ziggo.nl", "kpnmail.nl",
    "kpnplanet.nl", "planet.nl", "home.nl", "xs4all.nl", "casema.nl", "chello.nl", "hetnet.nl",
    "quicknet.nl", "telfort.nl", "tele2.nl", "online.nl", "zeelandnet.nl", "upcmail.nl",
})


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


def mail_domain_matches_website(email: str, website: str | None) -> bool:
    """True when the address is at the website's domain or one of its subdomains."""
    host = website_host(website)
    domain = email.rpartition("@")[2].lower()
    if not host or not domain or host in FREE_MAIL_DOMAINS or domain in FREE_MAIL_DOMAINS:
        return False
    return domain == host or domain.endswith("." + host)
