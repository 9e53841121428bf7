"""Time in one form everywhere: naive datetimes in UTC, as both SQLite and PostgreSQL store them."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat_utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"


# Letters are signed in the Netherlands: a `sign_until` day ends at midnight there.
SIGNING_TIMEZONE = ZoneInfo("Europe/Amsterdam")


def today_where_signed() -> date:
    return datetime.now(SIGNING_TIMEZONE).date()
