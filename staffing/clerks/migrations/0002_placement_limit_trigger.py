"""The rotation limit in the database: no clerk serves in one village more than the county's
`max_years` (public.staffing_county_staffingpolicy, default and ceiling 3) in total over all
placements, counted as ceil(max_years * 365.25) days with both ends included. An open placement
counts from its start day only (its end is not known yet); the service and the planner handle the
open part. The clerk's row is locked so two concurrent writes cannot both pass."""
from django.db import migrations

FORWARD = [r"""
CREATE OR REPLACE FUNCTION clerks_placement_limit() RETURNS trigger AS $$
DECLARE
    years integer;
    served integer;
BEGIN
    PERFORM 1 FROM clerks_clerk WHERE id = NEW.clerk_id FOR UPDATE;
    SELECT LEAST(COALESCE(MIN(max_years), 3), 3) INTO years FROM public.staffing_county_staffingpolicy;
    SELECT COALESCE(SUM(COALESCE(p.ends_on, p.starts_on) - p.starts_on + 1), 0) INTO served
      FROM clerks_placement p
     WHERE p.clerk_id = NEW.clerk_id AND p.village_id = NEW.village_id AND p.id IS DISTINCT FROM NEW.id;
    served := served + (COALESCE(NEW.ends_on, NEW.starts_on) - NEW.starts_on + 1);
    IF served > CEIL(years * 365.25) THEN
        RAISE EXCEPTION 'clerk % would serve % days in village %, over the limit of % years',
            NEW.clerk_id, served, NEW.village_id, years USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;""", """
CREATE TRIGGER clerks_placement_limit BEFORE INSERT OR UPDATE ON clerks_placement
    FOR EACH ROW EXECUTE FUNCTION clerks_placement_limit();"""]

BACKWARD = [
    "DROP TRIGGER IF EXISTS clerks_placement_limit ON clerks_placement;",
    "DROP FUNCTION IF EXISTS clerks_placement_limit();",
]


class Migration(migrations.Migration):
    dependencies = [("clerks", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
