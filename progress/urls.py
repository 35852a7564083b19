from django.urls import path

import pledges.urls  # noqa: F401 - registers the public_id converter

from . import views

app_name = "progress"
urlpatterns = [
    path("my/pledges/<public_id:public_id>/progress/new/", views.progress_create, name="create"),
]
