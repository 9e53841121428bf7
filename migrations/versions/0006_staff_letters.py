"""Staff letters: what editing from the workspace needs.

Revision ID: 0006_staff_letters
Revises: 0005_accounts
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0006_staff_letters'
down_revision = '0005_accounts'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
