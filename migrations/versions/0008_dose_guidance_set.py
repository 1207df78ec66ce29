"""the dose guidance set an exercise holds responders' doses against

Revision ID: 0008_dose_guidance_set
Revises: 0007_observation_zone
Create Date: 2026-12-05

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_dose_guidance_set'
down_revision = '0007_observation_zone'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dose_guidance_set', sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table('exercises', schema=None) as batch_op:
        batch_op.drop_column('dose_guidance_set')
