"""Who is asking, as far as rate limits and fraud reports need to know: the client's network
(an IPv4 address, or an IPv6 /64, which one subscriber usually holds whole) and a keyed hash of
it, so that no client address is ever stored."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import current_app, request


def client_network(address: str | None = None) -> str:
    """The network a request comes from: "192.0.2.7", or "2001:db8:1:2::/64" for any address in
    that IPv6 /64 (one home or phone holds millions of them)."""
    address = address if address is not None else (request.remote_addr or "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def network_hash(address: str | None = None) -> str:
    """A keyed hash of the client's network (HMAC-SHA-256 with a key derived from SECRET_KEY):
    equal for requests from one network, and saying nothing about it to whoever reads the
    database without the key."""
    key = hashlib.sha256(b"campaign.client-network:" +
                         current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, client_network(address).encode(), hashlib.sha256).hexdigest()[:32]
