from django.urls import path

import pledges.urls  # noqa: F401 - registers the public_id converter

from . import views

app_name = "progress"
urlpatterns = [
    path("my/pledges/<public_id:public_id>/progress/new/", views.progress_create, name="create"),
    path("my/progress/", views.my_progress, name="mine"),
    path("my/progress/<int:pk>/", views.progress_edit, name="edit"),
    path(
        "my/progress/<int:pk>/evidence/<int:evidence_pk>/remove/",
        views.evidence_remove,
        name="evidence_remove",
    ),
    path("my/progress/<int:pk>/best-practice/", views.best_practice_propose, name="best_practice_propose"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("pledges/<public_id:public_id>/follow/", views.follow, name="follow"),
    path("pledges/<public_id:public_id>/health/", views.pledge_health, name="health"),
    path("pledge-health/", views.health_rules, name="health_rules"),
    path("best-practices/", views.best_practice_gallery, name="best_practices"),
    path("best-practices/<int:pk>/", views.best_practice_detail, name="best_practice"),
    path("best-practices/<int:pk>/image/", views.best_practice_image, name="best_practice_image"),
]
