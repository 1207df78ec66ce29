"""observations about a zone on the site map

Revision ID: 0007_observation_zone
Revises: 0006_replay
Create Date: 2026-12-05

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_observation_zone'
down_revision = '0006_replay'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_column('zone')
