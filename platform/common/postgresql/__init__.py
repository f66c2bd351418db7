"""PostgreSQL backend under django-tenants (settings.ORIGINAL_BACKEND): plain PostgreSQL and Citus.

Django's PostgreSQL backend shortens `GROUP BY` to the selected tables' primary keys, relying on
PostgreSQL's rule that every column of a table depends on its primary key. Citus does not always
keep that rule: a grouped query whose filter can never match (e.g. a village outside a clerk's
scope) fails there with `column "organisation_village.name" must appear in the GROUP BY clause`.
This backend groups by every selected column instead, which means the same groups on both.
"""
