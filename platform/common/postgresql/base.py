"""The database wrapper of `common.postgresql` (see the package's docstring)."""
from __future__ import annotations

from django.db.backends.postgresql import base, features


class DatabaseFeatures(features.DatabaseFeatures):
    # GROUP BY lists every selected column, not only the primary keys (Citus, see the package).
    allows_group_by_selected_pks = False


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
