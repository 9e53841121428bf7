"""Switches and outbox: pausing signing and mail, re-queueing failed mail.

Revision ID: 0008_switches
Revises: 0007_staff_signatures
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0008_switches'
down_revision = '0007_staff_signatures'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('switch',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_switch_letter_id_letter'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_switch'))
    )
    with op.batch_alter_table('switch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_switch_letter_id'), ['letter_id'], unique=False)


def downgrade():
    with op.batch_alter_table('switch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_switch_letter_id'))
    op.drop_table('switch')
