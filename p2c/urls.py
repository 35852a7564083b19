"""Root URL configuration. The stable public URLs are listed in DESIGN.md."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("reports.urls")),
    path("", include("pledges.urls")),
    path("", include("organisations.urls")),
    path("", include("progress.urls")),
    path("accounts/", include("allauth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
]
