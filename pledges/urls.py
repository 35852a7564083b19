from django.urls import path, register_converter

from . import views


class PublicIdConverter:
    """Public pledge IDs: P2C-<year>-<number>."""

    regex = r"P2C-[0-9]{4}-[0-9]{4,6}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(PublicIdConverter, "public_id")

app_name = "pledges"
urlpatterns = [
    path("pledges/", views.marketplace, name="marketplace"),
    path("pledges/<public_id:public_id>/", views.pledge_detail, name="detail"),
    path("my/", views.workspace, name="workspace"),
    path("my/pledges/new/", views.pledge_create, name="create"),
    path("my/pledges/<public_id:public_id>/edit/", views.pledge_edit, name="edit"),
    path(
        "my/pledges/<public_id:public_id>/withdraw/",
        views.pledge_lifecycle,
        {"action": "withdraw"},
        name="withdraw",
    ),
    path(
        "my/pledges/<public_id:public_id>/complete/",
        views.pledge_lifecycle,
        {"action": "complete"},
        name="complete",
    ),
    path("my/partnerships/<int:pk>/respond/", views.partner_respond, name="partner_respond"),
    path("my/partnerships/claim/<str:token>/", views.partner_claim, name="partner_claim"),
]
