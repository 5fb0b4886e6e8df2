from django.contrib import admin

from interactions.actions import contacts_refresh_last_seen
from interactions.models import Event, Interaction, Participation


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
        contacts_refresh_last_seen(form.instance.participations.values_list("contact_id", flat=True))
