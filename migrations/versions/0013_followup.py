"""Follow-up after delivery: the recipient's acknowledgement, the answer due and given, signers who
asked to hear of it.

Revision ID: 0013_followup
Revises: 0012_render_jobs
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0013_followup'
down_revision = '0012_render_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow_up',
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_reference', sa.String(length=200), nullable=True),
    sa.Column('acknowledged_on', sa.Date(), nullable=True),
    sa.Column('answer_due', sa.Date(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'],
                            name=op.f('fk_follow_up_letter_id_letter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('letter_id', name=op.f('pk_follow_up'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_answer_due'), ['answer_due'], unique=False)

    op.create_table('answer_document',
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['follow_up.letter_id'],
                            name=op.f('fk_answer_document_letter_id_follow_up'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('letter_id', name=op.f('pk_answer_document'))
    )

    op.create_table('signer_notice',
    sa.Column('signature_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=32), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'],
                            name=op.f('fk_signer_notice_letter_id_letter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signature_id'], ['signature.id'],
                            name=op.f('fk_signer_notice_signature_id_signature'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('signature_id', 'event', name=op.f('pk_signer_notice'))
    )
    with op.batch_alter_table('signer_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signer_notice_letter_id'), ['letter_id'],
                              unique=False)

    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_updates', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_column('notify_updates')
    with op.batch_alter_table('signer_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signer_notice_letter_id'))
    op.drop_table('signer_notice')
    op.drop_table('answer_document')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_answer_due'))
    op.drop_table('follow_up')
