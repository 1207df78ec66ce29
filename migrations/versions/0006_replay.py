"""replay and branching: an exercise's source, carried-over injects, hot-wash observations

Revision ID: 0006_replay
Revises: 0005
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_replay'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branched_from', sa.JSON(), nullable=True))

    with op.batch_alter_table('exercise_injects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_over', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hotwash', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_column('hotwash')

    with op.batch_alter_table('exercise_injects', schema=None) as batch_op:
        batch_op.drop_column('carried_over')

    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_column('branched_from')
