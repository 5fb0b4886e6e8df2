from django.contrib import admin

from followups.models import Digest, FollowUp


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["due_on", "contact", "owner", "purpose", "reason", "state", "snoozed_until", "sent_at"]
    list_filter = ["state", "purpose", "reason"]
    search_fields = ["contact__display_name", "owner__username", "note"]
    date_hierarchy = "due_on"
    list_select_related = ["contact", "owner"]
    raw_id_fields = ["owner", "contact", "digest"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    """Failed sends are listed here with their error; a later tick retries them after their backoff."""

    list_display = ["local_date", "owner", "status", "attempts", "followup_count", "sent_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["owner__username", "message_id", "last_error"]
    date_hierarchy = "local_date"
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["message_id", "sent_at", "attempts", "last_error", "created_at", "updated_at"]
