"""Password hashing with Argon2id (argon2-cffi), and the rules a password must meet."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MINIMUM_LENGTH = 12
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    """Verified against when the address is unknown, so that both answers take the same time.
    Made at the first login, not at import: hashing takes 64 MiB and a quarter second, which
    every process (each CLI command, the PDF worker) would pay without ever logging anyone in."""
    return _hasher.hash("not a password of anyone's")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (unknown address) it does the same work and
    says no."""
    dummy = _dummy_hash()  # made at the first login, whichever address it is for
    try:
        return _hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a password cannot be used, or None."""
    if len(password) < MINIMUM_LENGTH:
        return f"at least {MINIMUM_LENGTH} characters"
    if not password.strip():
        return "not only spaces"
    return None
