from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("my/account/", views.account_overview, name="overview"),
    path("my/account/data/", views.account_export, name="export"),
    path("my/account/delete/", views.account_delete_view, name="delete"),
]
