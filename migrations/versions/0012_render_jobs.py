"""Background PDF rendering: jobs the worker claims and the rendered PDFs it keeps; when a
letter's signatures last changed.

Revision ID: 0012_render_jobs
Revises: 0011_letter_fields
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

# revision identifiers, used by Alembic.
revision = '0012_render_jobs'
down_revision = '0011_letter_fields'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.create_index('ix_signature_letter_changed', ['letter_id', 'changed_at'],
                              unique=False)

    op.create_table('render_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('render_key', sa.String(length=64), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('progressed_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'],
                            name=op.f('fk_render_job_letter_id_letter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_render_job'))
    )
    with op.batch_alter_table('render_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_render_job_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index('ix_render_job_status_id', ['status', 'id'], unique=False)

    op.create_table('stored_pdf',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('render_key', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rendered_at', sa.DateTime(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'],
                            name=op.f('fk_stored_pdf_letter_id_letter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_pdf')),
    sa.UniqueConstraint('letter_id', name=op.f('uq_stored_pdf_letter_id'))
    )


def downgrade():
    op.drop_table('stored_pdf')
    with op.batch_alter_table('render_job', schema=None) as batch_op:
        batch_op.drop_index('ix_render_job_status_id')
        batch_op.drop_index(batch_op.f('ix_render_job_letter_id'))
    op.drop_table('render_job')
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_letter_changed')
        batch_op.drop_column('changed_at')
