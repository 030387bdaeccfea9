"""audit log: the append-only audit_entry table; the database refuses UPDATE and DELETE of its rows

A trigger on PostgreSQL (a function raising an exception) and two on SQLite (RAISE(ABORT)) make the
log append-only whatever client writes to the database. No foreign keys: entries outlive the objects
and accounts they name.

Revision ID: 0011_audit
Revises: 0007_category_kinds
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from ink.migration_guard import refuse_data_loss


# revision identifiers, used by Alembic.
revision = '0011_audit'
down_revision = '0010_moderation'
branch_labels = None
depends_on = None

REFUSAL = 'audit_entry is append-only'
POSTGRESQL_UP = (
    f"""CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}';
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()""",
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_change()""",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
    "DROP FUNCTION IF EXISTS audit_entry_refuse_change()",
)
SQLITE_UP = (
    f"""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
)


def _dialect() -> str:
    return op.get_bind().dialect.name


def upgrade():
    op.create_table(
        'audit_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=254), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('object_kind', sa.String(length=64), nullable=False),
        sa.Column('object_id', sa.String(length=64), nullable=False),
        sa.Column('object_label', sa.String(length=300), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_object', ['object_kind', 'object_id'], unique=False)
        batch_op.create_index('ix_audit_entry_organisation_id', ['organisation_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_actor_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index('ix_audit_entry_created_at', ['created_at'], unique=False)
    statements = {'postgresql': POSTGRESQL_UP, 'sqlite': SQLITE_UP}.get(_dialect(), ())
    for statement in statements:
        op.execute(statement)


def downgrade():
    refuse_data_loss('0011_audit', ['audit_entry'])
    statements = {'postgresql': POSTGRESQL_DOWN, 'sqlite': SQLITE_DOWN}.get(_dialect(), ())
    for statement in statements:
        op.execute(statement)
    op.drop_table('audit_entry')
