from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("organisations/<slug:slug>/", views.organisation_detail, name="detail"),
    path("my/organisations/new/", views.organisation_create_view, name="create"),
]
