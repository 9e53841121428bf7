"""Deliveries: the frozen PDF sent to a ministry, its SHA-256, attachments in the outbox.

Revision ID: 0009_delivery
Revises: 0008_switches
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0009_delivery'
down_revision = '0008_switches'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delivery',
    sa.Column('id', sa.String(length=12), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('cc', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('signed', sa.Boolean(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_delivery_letter_id_letter')),
    sa.ForeignKeyConstraint(['version_id'], ['letter_version.id'],
                            name=op.f('fk_delivery_version_id_letter_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery'))
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_sha256'), ['sha256'], unique=False)

    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cc', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('delivery_id', sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_mail_delivery_id'), ['delivery_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_mail_delivery_id_delivery'), 'delivery',
                                    ['delivery_id'], ['id'])


def downgrade():
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_mail_delivery_id_delivery'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_mail_delivery_id'))
        batch_op.drop_column('delivery_id')
        batch_op.drop_column('cc')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_sha256'))
        batch_op.drop_index(batch_op.f('ix_delivery_letter_id'))
    op.drop_table('delivery')
