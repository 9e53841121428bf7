"""Switches and outbox: pausing signing and mail, re-queueing failed mail.

Revision ID: 0008_switches
Revises: 0007_staff_signatures
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0008_switches'
down_revision = '0007_staff_signatures'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
