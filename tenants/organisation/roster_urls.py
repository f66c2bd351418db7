"""Roster import and Excel exports; included at `roster/` in the `organisation` namespace.

Lists link to their export with their own query string, e.g.
`{% url 'organisation:roster_member_export' %}?{{ request.GET.urlencode }}`.
"""
from django.urls import path

from tenants.organisation import roster_views

urlpatterns = [
    path("", roster_views.roster_import, name="roster_import"),
    path("template.xlsx", roster_views.roster_template, name="roster_template"),
    path("<int:pk>/", roster_views.roster_import_detail, name="roster_import_detail"),
    path("<int:pk>/errors.xlsx", roster_views.roster_import_errors, name="roster_import_errors"),
    path("export/members.xlsx", roster_views.roster_member_export, name="roster_member_export"),
    path("export/villages.xlsx", roster_views.roster_village_export, name="roster_village_export"),
    path("export/branches.xlsx", roster_views.roster_branch_export, name="roster_branch_export"),
]
