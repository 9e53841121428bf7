"""Staff invitations and review: what following invitees and correcting signatures needs.

Revision ID: 0007_staff_signatures
Revises: 0006_staff_letters
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_staff_signatures'
down_revision = '0006_staff_letters'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_invited_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('invitation_opened_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('lead_order', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_column('lead_order')
        batch_op.drop_column('invitation_opened_at')
        batch_op.drop_column('last_invited_at')
        batch_op.drop_column('invited_at')
