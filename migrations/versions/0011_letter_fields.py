"""Letter file fields: subject, reference, contact, attachments, initiator, sign_until, images.

Revision ID: 0011_letter_fields
Revises: 0010_public_indexes
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0011_letter_fields'
down_revision = '0010_public_indexes'
branch_labels = None
depends_on = None

# Part of the signed text: on the letter and on each of its versions.
TEXT_COLUMNS = (
    ('subject', sa.String(length=300)),
    ('reference', sa.String(length=200)),
    ('contact_name', sa.String(length=200)),
    ('contact_phone', sa.String(length=50)),
    ('contact_email', sa.String(length=320)),
    ('attachments', sa.Text()),
)


def upgrade():
    for table in ('letter', 'letter_version'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_ in TEXT_COLUMNS:
                batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=''))
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('initiator', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('contact_url', sa.String(length=500), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('sign_until', sa.Date(), nullable=True))

    op.create_table('letter_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'],
                            name=op.f('fk_letter_image_letter_id_letter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_image')),
    sa.UniqueConstraint('letter_id', 'purpose', name=op.f('uq_letter_image_letter_id_purpose'))
    )


def downgrade():
    op.drop_table('letter_image')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_column('sign_until')
        batch_op.drop_column('contact_url')
        batch_op.drop_column('initiator')
    for table in ('letter_version', 'letter'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _ in reversed(TEXT_COLUMNS):
                batch_op.drop_column(name)
