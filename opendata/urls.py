"""Routes of the open data: the API (/api/v1/), its schema and docs (/api/schema/, /api/docs/), the bulk
downloads and the data dictionary (/data/)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import views
from .api.views import ApiDocsView

urlpatterns = [
    path("api/v1/", include("opendata.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="opendata-schema"),
    path("api/docs/", ApiDocsView.as_view(), name="opendata-docs"),
    path("data/", views.index, name="opendata-index"),
    path("data/dictionary/", views.dictionary, name="opendata-dictionary"),
    path("data/iati/activities.xml", views.iati_activities, name="opendata-iati"),
    path("data/<slug:dataset>.<str:fmt>", views.download, name="opendata-download"),
]
