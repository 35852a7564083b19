from django.urls import path, register_converter

from . import feeds, views, views_partnerships, views_places


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
    path("pledges/feed/", feeds.NewPledgesFeed(), name="feed"),
    path("pledges/<public_id:public_id>/", views.pledge_detail, name="detail"),
    path("pledges/<public_id:public_id>/interest/", views_partnerships.express_interest, name="interest"),
    path(
        "pledges/<public_id:public_id>/report-problem/",
        views_partnerships.report_problem,
        name="report_problem",
    ),
    path("countries/<str:iso2>/", views_places.country_detail, name="country"),
    path("countries/<str:iso2>/feed/", feeds.CountryPledgesFeed(), name="country_feed"),
    path("focus-areas/<slug:slug>/", views_places.focus_area_detail, name="focus_area"),
    path("focus-areas/<slug:slug>/feed/", feeds.FocusAreaPledgesFeed(), name="focus_area_feed"),
    path("focus-areas/<slug:slug>/<slug:pillar>/", views_places.focus_area_detail, name="pillar"),
    path("my/", views.workspace, name="workspace"),
    path("my/inbox/", views_partnerships.inbox, name="inbox"),
    path("my/inbox/<int:pk>/reply/", views_partnerships.reply, name="inbox_reply"),
    path("my/inbox/<int:pk>/abuse/", views_partnerships.report_abuse, name="inbox_abuse"),
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
