from django.db import migrations

SQL = ["""
CREATE OR REPLACE FUNCTION oversight_draw_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a spot-check draw is never deleted';
    END IF;
    IF NEW.commitment <> OLD.commitment OR NEW.seed <> OLD.seed OR NEW.committed_at <> OLD.committed_at
       OR NEW.year <> OLD.year OR NEW.month <> OLD.month THEN
        RAISE EXCEPTION 'a spot-check commitment cannot be changed';
    END IF;
    IF OLD.status = 'drawn' THEN
        RAISE EXCEPTION 'a spot-check draw is never redone';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;""", """
CREATE TRIGGER oversight_draw_immutable BEFORE UPDATE OR DELETE ON oversight_draw
    FOR EACH ROW EXECUTE FUNCTION oversight_draw_immutable();"""]


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial")]
    operations = [migrations.RunSQL(SQL, ["DROP TRIGGER oversight_draw_immutable ON oversight_draw;",
                                         "DROP FUNCTION oversight_draw_immutable();"])]
