"""Root URL configuration. The stable public URLs are listed in DESIGN.md."""

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from pledges.sitemaps import SITEMAPS

from . import views
from .locale import language_patterns

admin.site.site_header = _("P2C Secretariat")
admin.site.site_title = _("P2C Secretariat")
admin.site.index_title = _("Moderation and data")

# Pages in the interface language: unprefixed for English (the default), /ar/, /fr/, /es/, /ru/, /zh-hans/
# for the others (DESIGN.md); unprefixed URLs answer in the language the visitor chose (p2c.middleware).
urlpatterns = [
    path("", include("opendata.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("i18n/", include("django.conf.urls.i18n")),
    *language_patterns(
        path("", include("reports.urls")),
        path("", include("pledges.urls")),
        path("", include("organisations.urls")),
        path("", include("progress.urls")),
        path("", include("accounts.urls")),
        path("", include("secretariat.urls")),
        path("accounts/", include("allauth.urls")),
        path(settings.ADMIN_URL, admin.site.urls),
    ),
]
