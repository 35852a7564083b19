"""The platform's URLs plus a view that fails, for the error page and error reporting tests."""

from django.urls import path

from p2c.urls import urlpatterns as platform_urlpatterns


def broken_view(request):
    raise RuntimeError("something broke\r\nFAKE 2026-01-01 00:00:00,000 INFO forged line")


urlpatterns = [*platform_urlpatterns, path("broken/", broken_view)]
