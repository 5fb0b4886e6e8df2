from collections import defaultdict

from django.contrib import admin

from accounts.models import User
from interactions.actions import contacts_refresh_last_seen
from interactions.days import interaction_days_of, interaction_days_refresh, tag_days_refresh
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

    # The counts per day (interactions.days) follow whatever is changed here: the old day and owner of an
    # edited interaction and its new ones, and the days of deleted ones.
    def save_model(self, request, obj, form, change):
        old = Interaction.objects.select_related("owner").filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        for interaction in (old, obj) if old else (obj,):
            owner = interaction.owner
            interaction_days_refresh(owner, interaction_days_of(owner, [interaction.occurred_at]))

    def delete_model(self, request, obj):
        people = list(obj.participations.values_list("contact_id", flat=True))
        super().delete_model(request, obj)
        interaction_days_refresh(obj.owner, interaction_days_of(obj.owner, [obj.occurred_at]))
        contacts_refresh_last_seen(people)

    def delete_queryset(self, request, queryset):
        touched = defaultdict(list)
        for owner_id, when in queryset.values_list("owner_id", "occurred_at"):
            touched[owner_id].append(when)
        people = list(
            Participation.objects.filter(interaction__in=queryset).values_list("contact_id", flat=True)
        )
        super().delete_queryset(request, queryset)
        for owner in User.objects.filter(pk__in=list(touched)):
            interaction_days_refresh(owner, interaction_days_of(owner, touched[owner.pk]))
        contacts_refresh_last_seen(people)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj.owner_id = form.instance.owner_id
            obj.save()
        # Known once save(commit=False) ran: the people taken off keep a summary to work out again.
        removed = [obj.contact_id for obj in formset.deleted_objects]
        for obj in formset.deleted_objects:
            obj.delete()
        # Other participants, other tags: the interaction's day is counted again per tag.
        owner = form.instance.owner
        tag_days_refresh(owner, interaction_days_of(owner, [form.instance.occurred_at]))
        people = form.instance.participations.values_list("contact_id", flat=True)
        contacts_refresh_last_seen([*people, *removed])
