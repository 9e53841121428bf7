"""Settings read from the environment, with safe embedded defaults (SQLite, mail to files)."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger(__name__)


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'campaign.sqlite'}"
    # Hosting platforms still hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path: Path) -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    # Development default: generated once and kept, so links survive a restart.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _is_development_key(config: dict) -> bool:
    key_file = Path(config.get("INSTANCE_PATH") or "") / "secret_key"
    return key_file.is_file() and key_file.read_text().strip() == config["SECRET_KEY"]


class SettingError(ValueError):
    """A setting in the environment that cannot be used; the message names it."""


def _whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise SettingError(f"{name} must be a whole number, not {raw!r}")
    return int(raw)


DEFAULT_BASE_URL = "http://127.0.0.1:5000"
# Shown on /privacy until the operator sets them, so that nobody mistakes them for real ones.
UNSET_ORGANISATION_NAME = "(set ORGANISATION_NAME)"
UNSET_ORGANISATION_ADDRESS = "(set ORGANISATION_ADDRESS)"
UNSET_PRIVACY_CONTACT = "(set PRIVACY_CONTACT)"


def from_environment(instance_path: Path) -> dict:
    """The application's settings, taken from the environment at start-up."""
    env = os.environ.get
    return {
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": _secret_key(instance_path),
        "BASE_URL": env("BASE_URL", DEFAULT_BASE_URL).strip().rstrip("/"),
        "MAIL_SERVER": env("MAIL_SERVER", "").strip() or None,
        "MAIL_PORT": _whole_number("MAIL_PORT", 25),
        # Seconds to wait for the SMTP server before trying again later.
        "MAIL_TIMEOUT": _whole_number("MAIL_TIMEOUT", 30),
        # Seconds in all for handing one mail to the SMTP server, however slowly it answers.
        "MAIL_SEND_DEADLINE": _whole_number("MAIL_SEND_DEADLINE", 120),
        "MAIL_USE_TLS": _flag(env("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _flag(env("MAIL_USE_SSL")),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER", "campaign@localhost"),
        "MAIL_DIRECTORY": str(instance_path / "mail"),
        # Off only for load tests (make stress): every limit below stops counting.
        "RATELIMIT_ENABLED": _flag(env("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI", "memory://"),
        # Names this app's counters, so that apps can share one Redis.
        "RATELIMIT_KEY_PREFIX": env("RATELIMIT_KEY_PREFIX", "").strip() or "campaign",
        # Signatures accepted from the sign form (Flask-Limiter's notation; form errors do not
        # count) per client network (an IPv4 address or an IPv6 /64): 200 colleagues behind one
        # NAT sign in an hour, and a hall asked to sign at once gets through.
        "SIGN_RATE_LIMIT": env("SIGN_RATE_LIMIT", "").strip() or "250 per hour;40 per minute",
        # ... per e-mail address, and per letter (all clients together).
        "SIGN_RATE_LIMIT_PER_ADDRESS": env("SIGN_RATE_LIMIT_PER_ADDRESS", "").strip()
        or "5 per hour",
        "SIGN_RATE_LIMIT_PER_LETTER": env("SIGN_RATE_LIMIT_PER_LETTER", "").strip()
        or "6000 per hour",
        "INSTANCE_PATH": str(instance_path),
        # How many reverse proxies (load balancer, nginx) stand before the app and set
        # X-Forwarded-For/-Proto; rate limits count per client address only when this is right.
        "TRUSTED_PROXIES": _whole_number("TRUSTED_PROXIES", 0),
        # Seconds a public page stays rendered in each process (core/page_cache.py); 0: never.
        "PAGE_CACHE_SECONDS": _whole_number("PAGE_CACHE_SECONDS", 5),
        # A delivered PDF is signed (PAdES) with the key and certificate in this PKCS#12 file,
        # and time-stamped (RFC 3161) by this authority when set.
        "PDF_SIGNING_P12": env("PDF_SIGNING_P12", "").strip() or None,
        "PDF_SIGNING_PASSWORD": env("PDF_SIGNING_PASSWORD") or None,
        "PDF_TIMESTAMP_URL": env("PDF_TIMESTAMP_URL", "").strip() or None,
        # Who is responsible for the personal data (the controller), as /privacy names it.
        "ORGANISATION_NAME": env("ORGANISATION_NAME", "").strip() or UNSET_ORGANISATION_NAME,
        "ORGANISATION_ADDRESS": env("ORGANISATION_ADDRESS", "").strip()
        or UNSET_ORGANISATION_ADDRESS,
        "PRIVACY_CONTACT": env("PRIVACY_CONTACT", "").strip() or UNSET_PRIVACY_CONTACT,
    }


DEFAULTS = {
    "BABEL_DEFAULT_LOCALE": "nl",
    "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "campaign" / "translations"),
    "LANGUAGES": ("nl", "en"),
    # Forms are small; anything larger than this is refused with 413.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # ... except the staff side's uploads (letter files, invitee lists, logos).
    "STAFF_UPLOAD_MAX_BYTES": 2 * 1024 * 1024,
    # ... and a PDF uploaded to /verify to be compared with the delivered files.
    "VERIFY_UPLOAD_MAX_BYTES": 32 * 1024 * 1024,
    # Uploads to /verify per client network: a person checks a file or two, not thousands.
    "VERIFY_UPLOAD_RATE_LIMIT": "60 per hour;10 per minute",
    # ... and the PDF of a ministry's answer, which staff upload (scanned letters are large).
    "ANSWER_PDF_MAX_BYTES": 10 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    # The session cookie (CSRF, later staff logins) is not sent along with another site's POST.
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    # A staff session ends after 8 hours without a request (the cookie's signed time is renewed
    # on every request, and checked by the server).
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "SESSION_REFRESH_EACH_REQUEST": True,
    # Failed staff logins per client network (an account locks after 10 of its own).
    "STAFF_LOGIN_RATE_LIMIT": "30 per 15 minutes",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Redis down must not stop people signing: count in memory until it is back.
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "LINK_RATE_LIMIT": "30 per hour",
    # How long e-mailed links stay valid, in seconds.
    "CONFIRM_LINK_MAX_AGE": 14 * 24 * 3600,
    "INVITE_LINK_MAX_AGE": 120 * 24 * 3600,
    "WITHDRAW_LINK_MAX_AGE": 3 * 365 * 24 * 3600,
    "OUTBOX_MAX_ATTEMPTS": 10,
    # Days the keyed hash of a signer's network is kept for the fraud report.
    "CLIENT_NETWORK_RETENTION_DAYS": 60,
    # Days a signature from the public form may stay unconfirmed before
    # `flask letters purge-unconfirmed` deletes it with its mail (its --days default).
    "UNCONFIRMED_RETENTION_DAYS": 30,
    "OUTBOX_POLL_SECONDS": 2.0,
    # A PDF render whose worker has not reported progress for this long shows as failed.
    "RENDER_STALE_SECONDS": 900,
    # A letter with more signatures than this is rendered (preview, delivery) by the worker,
    # not inside a staff request.
    "RENDER_IN_REQUEST_MAX": 1000,
    "SIGNATURES_PER_PAGE": 50,
    # The public lists: co-signers of each kind on the letter page, and per list page; how long
    # a proxy may keep a public page or API answer (core.caching).
    "LETTER_PAGE_GROUP_SIZE": 30,
    "SIGNATORIES_PER_PAGE": 100,
    "PUBLIC_CACHE_MAX_AGE": 30,
    "PUBLIC_CACHE_STALE_WHILE_REVALIDATE": 300,
    # The outbox decides when mail goes out; Flask-Mail must never drop it, not even in tests.
    "MAIL_SUPPRESS_SEND": False,
}


def warn_about_development_defaults(config: dict) -> None:
    """Say so when a production-looking setup still runs on a development default."""
    production_like = (config["MAIL_SERVER"]
                       or not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"))
    if not production_like or config.get("TESTING"):
        return
    if _is_development_key(config):
        log.warning(
            "SECRET_KEY is not set: using the development key in instance/. "
            "Set SECRET_KEY to the same value on every app process.")
    if not config["MAIL_SERVER"]:
        log.warning(
            "MAIL_SERVER is not set: mail is written to files in %s and every confirm link is "
            "logged. Set MAIL_SERVER before anyone signs.", config["MAIL_DIRECTORY"])
    if config.get("ORGANISATION_NAME", UNSET_ORGANISATION_NAME) == UNSET_ORGANISATION_NAME:
        log.warning("ORGANISATION_NAME, ORGANISATION_ADDRESS and PRIVACY_CONTACT are not set: "
                    "the privacy statement at /privacy names nobody as controller.")
    if config["BASE_URL"].startswith(("http://127.0.0.1", "http://localhost")):
        log.warning("BASE_URL is %s: links in mail and PDF will point at this machine. "
                    "Set BASE_URL to the public address.", config["BASE_URL"])
