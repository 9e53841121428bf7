"""Indexes for the public lists, counts and search at 100,000 signatures; a search key.

Revision ID: 0010_public_indexes
Revises: 0009_delivery
"""
import re
import unicodedata

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0010_public_indexes'
down_revision = '0009_delivery'
branch_labels = None
depends_on = None

CONFIRMED = sa.text("state = 'confirmed'")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def _search_key(*parts):
    """campaign.core.collation.search_key as it was when this migration was written."""
    words = []
    for part in parts:
        decomposed = unicodedata.normalize("NFKD", part or "")
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
        text = text.replace("ß", "ss").replace("æ", "ae").replace("ø", "o").casefold()
        words.extend(_NOT_ALPHANUMERIC.sub(" ", text).split())
    return "".join(" " + word for word in words)[:610]


def _backfill_search_keys():
    connection = op.get_bind()
    signature = sa.table('signature', sa.column('id', sa.Integer), sa.column('name', sa.String),
                         sa.column('organisation', sa.String),
                         sa.column('municipality', sa.String),
                         sa.column('search_key', sa.String))
    rows = connection.execute(sa.select(
        signature.c.id, signature.c.name, signature.c.organisation, signature.c.municipality)
        .where(signature.c.name.is_not(None))).all()
    update = (signature.update().where(signature.c.id == sa.bindparam('row_id'))
              .values(search_key=sa.bindparam('key')))
    for start in range(0, len(rows), 5000):
        connection.execute(update, [
            {'row_id': row.id, 'key': _search_key(row.name, row.organisation, row.municipality)}
            for row in rows[start:start + 5000]])


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if postgresql:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_key', sa.String(length=610), server_default='',
                                      nullable=False))
    _backfill_search_keys()
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index('ix_signature_public_order',
                              ['letter_id', 'kind', 'lead', 'municipality_key',
                               'organisation_key', 'name_key', 'id', 'search_key'],
                              unique=False,
                              sqlite_where=CONFIRMED, postgresql_where=CONFIRMED)
        batch_op.create_index('ix_signature_api_order', ['letter_id', 'confirmed_at', 'id'],
                              unique=False, sqlite_where=CONFIRMED, postgresql_where=CONFIRMED)
        batch_op.create_index('ix_signature_counts',
                              ['letter_id', 'kind', 'verification', 'public', 'review'],
                              unique=False, sqlite_where=CONFIRMED, postgresql_where=CONFIRMED)
        batch_op.create_index('ix_signature_search_key', ['search_key'], unique=False,
                              postgresql_using='gin',
                              postgresql_ops={'search_key': 'gin_trgm_ops'},
                              sqlite_where=CONFIRMED, postgresql_where=CONFIRMED)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_letter_id'))
        batch_op.create_index(batch_op.f('ix_audit_event_letter_id_id'), ['letter_id', 'id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_signature_id'), ['signature_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_signature_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_letter_id_id'))
        batch_op.create_index(batch_op.f('ix_audit_event_letter_id'), ['letter_id'],
                              unique=False)
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_search_key')
        batch_op.drop_index('ix_signature_counts')
        batch_op.drop_index('ix_signature_api_order')
        batch_op.drop_index('ix_signature_public_order')
        batch_op.drop_column('search_key')
