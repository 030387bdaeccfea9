"""joining: organisations' applications to join, and co-organisers' consent

``organisation_application`` holds what an organisation sent through /join until a coordinator
approves or declines it. ``series_coorganiser`` gains a status (pending / accepted / declined) and
when and by whom it was decided. Existing rows become "accepted": they were attached before consent
existed, their events already show on those organisations' pages, feeds and reminders, and making
them pending would silently take published events off the public site.

Revision ID: 0009_joining
Revises: 0008_accounts
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa

from ink.migration_guard import refuse_data_loss


# revision identifiers, used by Alembic.
revision = '0009_joining'
down_revision = '0008_accounts'
branch_labels = None
depends_on = None

CONSENT = sa.Enum('pending', 'accepted', 'declined', name='coorganiserstatus', native_enum=False, length=16)
APPLICATION = sa.Enum('unconfirmed', 'waiting', 'approved', 'declined', name='applicationstatus',
                      native_enum=False, length=16)


def upgrade():
    op.create_table('organisation_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('topic_ids', sa.JSON(), nullable=False),
    sa.Column('applicant_name', sa.String(length=120), nullable=False),
    sa.Column('applicant_email', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('status', APPLICATION, nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_message', sa.Text(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'],
                            name=op.f('fk_organisation_application_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_organisation_application_organisation_id_organisation'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_application'))
    )
    with op.batch_alter_table('organisation_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_application_applicant_email'), ['applicant_email'],
                              unique=False)

    with op.batch_alter_table('series_coorganiser', schema=None) as batch_op:
        # Existing co-organisers were named before consent existed: they stay as they are (accepted).
        batch_op.add_column(sa.Column('status', CONSENT, server_default='accepted', nullable=False))
        batch_op.add_column(sa.Column('requested_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_series_coorganiser_decided_by_id_user'), 'user',
                                    ['decided_by_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('series_coorganiser', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)  # new rows get their status from the app


def downgrade():
    refuse_data_loss('0009_joining', ['organisation_application'])
    # Going back to a schema without consent: only accepted co-organisers keep their place (a pending or
    # declined one would otherwise become a co-organiser shown everywhere, which it never agreed to).
    op.execute("DELETE FROM series_coorganiser WHERE status <> 'accepted'")
    with op.batch_alter_table('series_coorganiser', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_series_coorganiser_decided_by_id_user'), type_='foreignkey')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('requested_at')
        batch_op.drop_column('status')
    with op.batch_alter_table('organisation_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_application_applicant_email'))
    op.drop_table('organisation_application')
