"""Township API routes of the roster import and exports (included by config.api_tenant at roster/)."""
from django.urls import path

from tenants.organisation import roster_api

urlpatterns = [
    path("imports/", roster_api.RosterImportListView.as_view(), name="roster-imports"),
    path("imports/<int:pk>/", roster_api.RosterImportDetailView.as_view(), name="roster-import"),
    path("imports/<int:pk>/errors/", roster_api.RosterImportErrorsView.as_view(), name="roster-import-errors"),
    path("template/", roster_api.RosterTemplateView.as_view(), name="roster-template"),
    path("export/members/", roster_api.MemberExportView.as_view(), name="export-members"),
    path("export/villages/", roster_api.VillageExportView.as_view(), name="export-villages"),
    path("export/branches/", roster_api.BranchExportView.as_view(), name="export-branches"),
]
