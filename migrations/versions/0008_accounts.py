"""accounts: server-side sign-in sessions, invitations, single-use reset and email-change links

Revision ID: 0008_accounts
Revises: 0007_category_kinds
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa

from ink.migration_guard import refuse_data_loss


# revision identifiers, used by Alembic.
revision = '0008_accounts'
down_revision = '0007_category_kinds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_reset_nonce', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('email_change_nonce', sa.String(length=32), nullable=True))
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_session_key_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'revoked', name='invitationstatus', native_enum=False, length=16), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('send_count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['user.id'], name=op.f('fk_invitation_accepted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_invitation_invited_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_invitation_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    # Sign-in sessions are throwaway (everyone signs in again); pending invitations are not.
    refuse_data_loss('0008_accounts', ['invitation'])
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_email'))
    op.drop_table('invitation')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email_change_nonce')
        batch_op.drop_column('password_reset_nonce')
