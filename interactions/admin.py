from django.contrib import admin

from interactions.models import Digest, Event, FollowUp, Interaction, Participation


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0
    raw_id_fields = ["contact"]
    exclude = ["owner"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "start_date", "end_date", "place", "setting"]
    list_filter = ["setting"]
    search_fields = ["name", "place", "owner__username"]
    date_hierarchy = "start_date"
    raw_id_fields = ["owner"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "owner", "kind", "purpose", "setting", "event"]
    list_filter = ["kind", "purpose", "setting"]
    search_fields = ["notes", "owner__username", "contacts__display_name"]
    date_hierarchy = "occurred_at"
    list_select_related = ["owner", "event"]
    raw_id_fields = ["owner", "event"]
    inlines = [ParticipationInline]

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj.owner_id = form.instance.owner_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        from interactions.actions import contacts_refresh_last_seen

        contacts_refresh_last_seen(form.instance.participations.values_list("contact_id", flat=True))


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
