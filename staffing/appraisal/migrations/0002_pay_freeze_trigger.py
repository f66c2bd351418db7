"""An approved pay sheet is frozen: its lines cannot be updated or deleted, nor the sheet itself
(even by direct SQL). Lines can still be added to it (corrections are new lines)."""
from django.db import migrations

FORWARD = ["""
CREATE OR REPLACE FUNCTION appraisal_payline_frozen() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM appraisal_paysheet WHERE id = OLD.sheet_id AND status = 'approved') THEN
        RAISE EXCEPTION 'pay sheet % is approved: % of its lines refused', OLD.sheet_id, TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;""", """
CREATE TRIGGER appraisal_payline_frozen BEFORE UPDATE OR DELETE ON appraisal_payline
    FOR EACH ROW EXECUTE FUNCTION appraisal_payline_frozen();""", """
CREATE OR REPLACE FUNCTION appraisal_paysheet_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'approved' THEN
        RAISE EXCEPTION 'pay sheet % is approved: % refused', OLD.id, TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;""", """
CREATE TRIGGER appraisal_paysheet_frozen BEFORE UPDATE OR DELETE ON appraisal_paysheet
    FOR EACH ROW EXECUTE FUNCTION appraisal_paysheet_frozen();"""]

REVERSE = [
    "DROP TRIGGER IF EXISTS appraisal_payline_frozen ON appraisal_payline;",
    "DROP TRIGGER IF EXISTS appraisal_paysheet_frozen ON appraisal_paysheet;",
    "DROP FUNCTION IF EXISTS appraisal_payline_frozen();",
    "DROP FUNCTION IF EXISTS appraisal_paysheet_frozen();",
]


class Migration(migrations.Migration):

    dependencies = [("appraisal", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
