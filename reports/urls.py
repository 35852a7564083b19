from django.urls import path

from . import archive, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reports/", archive.archive, name="annual_reports"),
    path("reports/<int:year>/<str:language>/", archive.download, name="annual_report"),
    path(
        "reports/<int:year>/<str:language>/r<int:revision>/", archive.download, name="annual_report_revision"
    ),
]
