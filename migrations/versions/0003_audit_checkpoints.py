"""signed checkpoints of the event log, and the signed head of each exercise

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('wall_time', sa.DateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_audit_checkpoints_exercise_id_exercises'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')),
    sa.UniqueConstraint('exercise_id', 'seq', name=op.f('uq_audit_checkpoints_exercise_id_seq'))
    )
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_head_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signed_head_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('signed_head_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('signed_head_key_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('signed_head_signature', sa.String(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_column('signed_head_signature')
        batch_op.drop_column('signed_head_key_id')
        batch_op.drop_column('signed_head_at')
        batch_op.drop_column('signed_head_hash')
        batch_op.drop_column('signed_head_seq')

    op.drop_table('audit_checkpoints')
