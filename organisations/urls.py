from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("organisations/<slug:slug>/", views.organisation_detail, name="detail"),
    path("organisations/<slug:slug>/logo/", views.organisation_logo, name="logo"),
    path("organisations/<slug:slug>/join/", views.join_request_create_view, name="join"),
    path("invitations/<str:token>/", views.invitation_view, name="invitation"),
    path("my/organisations/", views.my_organisations, name="mine"),
    path("my/organisations/new/", views.organisation_create_view, name="create"),
    path("my/organisations/switch/", views.organisation_switch, name="switch"),
    path("my/organisations/<slug:slug>/", views.organisation_members, name="members"),
    path("my/organisations/<slug:slug>/edit/", views.organisation_edit, name="edit"),
    path("my/organisations/<slug:slug>/invitations/new/", views.invitation_create_view, name="invite"),
    path(
        "my/organisations/<slug:slug>/invitations/<int:pk>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path(
        "my/organisations/<slug:slug>/invitations/<int:pk>/resend/",
        views.invitation_resend_view,
        name="invitation_resend",
    ),
    path(
        "my/organisations/<slug:slug>/members/<int:pk>/role/", views.membership_role_view, name="member_role"
    ),
    path(
        "my/organisations/<slug:slug>/members/<int:pk>/remove/",
        views.membership_remove_view,
        name="member_remove",
    ),
    path("my/organisations/<slug:slug>/leave/", views.organisation_leave, name="leave"),
    path("my/organisations/<slug:slug>/transfer/", views.ownership_transfer_view, name="transfer"),
    path(
        "my/organisations/<slug:slug>/join-requests/<int:pk>/",
        views.join_request_decide,
        name="join_request_decide",
    ),
    path(
        "my/join-requests/<int:pk>/withdraw/", views.join_request_withdraw_view, name="join_request_withdraw"
    ),
]
