"""Signing and checking e-mailed links: itsdangerous, one salt and one expiry per purpose.

A token names a signature and carries that signature's nonce; the caller still checks the
signature's state in the database, so a used or withdrawn link does nothing twice.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .models import Signature


class Purpose:
    CONFIRM = "confirm"     # confirm a signature given through the public form
    INVITE = "invite"       # sign as the invited person
    WITHDRAW = "withdraw"   # take a signature back
    ALL = (CONFIRM, INVITE, WITHDRAW)


_MAX_AGE_SETTING = {
    Purpose.CONFIRM: "CONFIRM_LINK_MAX_AGE",
    Purpose.INVITE: "INVITE_LINK_MAX_AGE",
    Purpose.WITHDRAW: "WITHDRAW_LINK_MAX_AGE",
}


class InvalidLink(Exception):
    """The token was not made by us for this purpose, or its signature is gone."""


class ExpiredLink(Exception):
    """A genuine token past its expiry; `signature_id` lets the page offer a new link."""

    def __init__(self, signature_id: int) -> None:
        super().__init__(signature_id)
        self.signature_id = signature_id


@dataclass(frozen=True)
class LinkTarget:
    signature_id: int
    nonce: str


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in Purpose.ALL:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"campaign.{purpose}")


def make_token(purpose: str, signature: Signature) -> str:
    return _serializer(purpose).dumps([signature.id, signature.token_nonce])


def _parse(payload: object) -> LinkTarget:
    if (not isinstance(payload, list) or len(payload) != 2
            or not isinstance(payload[0], int) or not isinstance(payload[1], str)):
        raise InvalidLink
    return LinkTarget(payload[0], payload[1])


def read_token(purpose: str, token: str) -> LinkTarget:
    """The target of a valid, unexpired token; raises InvalidLink or ExpiredLink."""
    serializer = _serializer(purpose)
    max_age = current_app.config[_MAX_AGE_SETTING[purpose]]
    try:
        return _parse(serializer.loads(token, max_age=max_age))
    except SignatureExpired as expired:
        target = _parse(serializer.load_payload(expired.payload))
        raise ExpiredLink(target.signature_id) from None
    except BadSignature:
        raise InvalidLink from None


def read_token_ignoring_age(purpose: str, token: str) -> LinkTarget:
    """For asking a new link in place of an expired one: genuine, however old."""
    try:
        return _parse(_serializer(purpose).loads(token))
    except BadSignature:
        raise InvalidLink from None


def matches(signature: Signature | None, target: LinkTarget) -> bool:
    return signature is not None and hmac.compare_digest(signature.token_nonce, target.nonce)
