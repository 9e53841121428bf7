"""Staff letters: what editing from the workspace needs (a revision per letter, so that the
second of two editors saving the same letter gets a conflict instead of overwriting the first).

Revision ID: 0006_staff_letters
Revises: 0005_accounts
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_staff_letters'
down_revision = '0005_accounts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False,
                                      server_default='1'))


def downgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_column('revision')
