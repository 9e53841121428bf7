"""Delivery as a background job: a render job's kind, the delivery form it carries and the
delivery it made.

Revision ID: 0014_deliver_jobs
Revises: 0013_followup
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_deliver_jobs'
down_revision = '0013_followup'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('render_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='render',
                                      nullable=False))
        batch_op.add_column(sa.Column('request', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('delivery_id', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('render_job', schema=None) as batch_op:
        batch_op.drop_column('delivery_id')
        batch_op.drop_column('request')
        batch_op.drop_column('kind')
