"""Password hashing with Argon2id (argon2-cffi), and the rules a password must meet."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MINIMUM_LENGTH = 12
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# Verified against when the address is unknown, so that both answers take the same time.
_DUMMY_HASH = _hasher.hash("not a password of anyone's")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (unknown address) it does the same work and
    says no."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
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
