"""Party-member Star rule versions and submitted shortlists are immutable: PostgreSQL rejects UPDATE and
DELETE of their rows (a change is a new version; a submitted shortlist is locked). One statement per
string (Citus)."""
from django.db import migrations

from common.append_only import FUNCTION

TABLES = ["rewards_county_starruleversion", "rewards_county_starcondition", "rewards_county_submittedshortlist",
          "rewards_county_submittedcandidate"]


class Migration(migrations.Migration):

    dependencies = [
        ("rewards_county", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(sql=[FUNCTION], reverse_sql=migrations.RunSQL.noop),
        *[migrations.RunSQL(
            sql=[f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                 f"FOR EACH ROW EXECUTE FUNCTION append_only_guard();"],
            reverse_sql=[f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};"],
        ) for table in TABLES],
    ]
