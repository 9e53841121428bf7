"""Staff invitations and review: what following invitees and correcting signatures needs.

Revision ID: 0007_staff_signatures
Revises: 0006_staff_letters
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0007_staff_signatures'
down_revision = '0006_staff_letters'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
