"""A filed meeting record is locked in the database, raw SQL included:

- a filed version (`is_filed`) cannot be updated or deleted;
- attendance rows and files of a filed version cannot be added, changed or deleted;
- a filed meeting cannot be deleted, un-filed, moved to another branch, or go back a version.

Corrections are new versions. One statement per string (Citus runs them one by one).
"""
from django.db import migrations

FORWARD = [
    """
CREATE OR REPLACE FUNCTION meetings_version_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.is_filed THEN
        RAISE EXCEPTION 'meeting % version % is filed: % refused', OLD.meeting_id, OLD.number, TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql""",
    """
CREATE TRIGGER meetings_version_locked BEFORE UPDATE OR DELETE ON meetings_meetingversion
    FOR EACH ROW EXECUTE FUNCTION meetings_version_locked()""",
    """
CREATE OR REPLACE FUNCTION meetings_child_locked() RETURNS trigger AS $$
DECLARE
    vid bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN vid := NEW.version_id; ELSE vid := OLD.version_id; END IF;
    IF EXISTS (SELECT 1 FROM meetings_meetingversion WHERE id = vid AND is_filed)
       OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM meetings_meetingversion
                                        WHERE id = NEW.version_id AND is_filed)) THEN
        RAISE EXCEPTION 'meeting version % is filed: % on % refused', vid, TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql""",
    """
CREATE TRIGGER meetings_attendance_locked BEFORE INSERT OR UPDATE OR DELETE ON meetings_attendancerow
    FOR EACH ROW EXECUTE FUNCTION meetings_child_locked()""",
    """
CREATE TRIGGER meetings_file_locked BEFORE INSERT OR UPDATE OR DELETE ON meetings_meetingfile
    FOR EACH ROW EXECUTE FUNCTION meetings_child_locked()""",
    """
CREATE OR REPLACE FUNCTION meetings_meeting_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'filed' AND (TG_OP = 'DELETE' OR NEW.status <> 'filed' OR NEW.branch_id <> OLD.branch_id
            OR NEW.version < OLD.version OR NEW.filed_at IS DISTINCT FROM OLD.filed_at
            OR NEW.filed_by_id IS DISTINCT FROM OLD.filed_by_id) THEN
        RAISE EXCEPTION 'meeting % is filed: % refused', OLD.id, TG_OP USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql""",
    """
CREATE TRIGGER meetings_meeting_locked BEFORE UPDATE OR DELETE ON meetings_meeting
    FOR EACH ROW EXECUTE FUNCTION meetings_meeting_locked()""",
]

REVERSE = [
    "DROP TRIGGER IF EXISTS meetings_meeting_locked ON meetings_meeting",
    "DROP TRIGGER IF EXISTS meetings_file_locked ON meetings_meetingfile",
    "DROP TRIGGER IF EXISTS meetings_attendance_locked ON meetings_attendancerow",
    "DROP TRIGGER IF EXISTS meetings_version_locked ON meetings_meetingversion",
    "DROP FUNCTION IF EXISTS meetings_meeting_locked()",
    "DROP FUNCTION IF EXISTS meetings_child_locked()",
    "DROP FUNCTION IF EXISTS meetings_version_locked()",
]


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
