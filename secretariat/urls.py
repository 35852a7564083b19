from django.urls import path

from . import views

app_name = "secretariat"
urlpatterns = [
    path("legacy/pledges/<str:old_id>/", views.legacy_pledge, name="legacy_pledge"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("my/notifications/", views.preferences_view, name="preferences"),
    path("my/consent/", views.consent_view, name="consent"),
    path("legal/<slug:kind>/", views.legal_document, name="legal"),
]
