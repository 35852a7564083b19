from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ProgressReport


@admin.register(ProgressReport)
class ProgressReportAdmin(SimpleHistoryAdmin):
    list_display = ("pledge", "implementation_status", "percent_complete", "created_at", "author")
    list_filter = ("implementation_status",)
    search_fields = ("pledge__public_id", "pledge__title", "narrative")
    list_select_related = ("pledge", "author")
    raw_id_fields = ("pledge", "author")
