"""URLs of the marketplace benchmark: the site's own, plus a bare view that renders only the base template
(the yardstick every page's throughput is compared with)."""

from django.shortcuts import render
from django.urls import path

from p2c.urls import urlpatterns as site_urlpatterns


def bare(request):
    return render(request, "base.html")


urlpatterns = [path("__bench__/bare/", bare), *site_urlpatterns]
