"""Sectors: the letter's list of sectors, an organisation signature's sector, and the index that
counts and lists a letter's confirmed organisations by sector.

Revision ID: 0015_signature_sector
Revises: 0014_deliver_jobs
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_signature_sector'
down_revision = '0014_deliver_jobs'
branch_labels = None
depends_on = None

CONFIRMED_WITH_SECTOR = sa.text("state = 'confirmed' AND sector IS NOT NULL")


def upgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sectors', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sector', sa.String(length=60), nullable=True))
        batch_op.create_index('ix_signature_sector_order',
                              ['letter_id', 'sector', 'kind', 'lead', 'municipality_key',
                               'organisation_key', 'name_key', 'id', 'review', 'public',
                               'search_key', 'state'],
                              unique=False, sqlite_where=CONFIRMED_WITH_SECTOR,
                              postgresql_where=CONFIRMED_WITH_SECTOR)


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_sector_order')
        batch_op.drop_column('sector')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_column('sectors')
