"""Posted ledger rows are append-only at the database level.

The trigger rejects UPDATE and DELETE on ledger_ledgerentry for every role, raw SQL included.
The function is created in the township's schema (the migration runs with its search_path).
"""
from django.db import migrations

CREATE = ["""
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only: % of ledger entry % rejected', TG_OP, OLD.seq
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;""", """
CREATE TRIGGER ledger_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"""]

DROP = [
    "DROP TRIGGER IF EXISTS ledger_ledgerentry_append_only ON ledger_ledgerentry;",
    "DROP FUNCTION IF EXISTS ledger_append_only();",
]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
