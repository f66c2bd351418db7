"""Placing a township's schema on a Citus cluster (infra/citus.md).

With `CITUS_DISTRIBUTE_SCHEMAS` on, provisioning ends by making the new schema a distributed
schema (`citus_schema_distribute`): its tables become one colocated group on one worker, and
every query of the township goes to that worker whole. Off (the default), or on a database
without the Citus extension, nothing is sent. Kept apart from provisioning so a rewrite of
`township_provision` keeps it by calling this one function.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def citus_installed() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus'")
        return cursor.fetchone() is not None


def schema_distribute(*, schema_name: str) -> bool:
    """Make `schema_name` a Citus distributed schema when the setting asks for it and Citus is
    there; True when the schema is distributed afterwards. Idempotent: a schema Citus already
    distributes (e.g. created with `citus.enable_schema_based_sharding` on) is left as it is.
    An error propagates, so provisioning marks the township failed rather than half-placed."""
    if not settings.CITUS_DISTRIBUTE_SCHEMAS:
        return False
    if not citus_installed():
        logger.warning("CITUS_DISTRIBUTE_SCHEMAS is on but the database has no citus extension; "
                       "schema %s stays a plain schema", schema_name)
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_catalog.pg_dist_schema WHERE schemaid = %s::regnamespace", [schema_name])
        if cursor.fetchone() is None:
            cursor.execute("SELECT citus_schema_distribute(%s)", [schema_name])
            logger.info("schema %s distributed by Citus", schema_name)
    return True
