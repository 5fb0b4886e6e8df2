from django.contrib import admin

from contacts.models import Contact, EmailAddress, PhoneNumber, Tag


class EmailInline(admin.TabularInline):
    model = EmailAddress
    extra = 0
    exclude = ["owner"]


class PhoneInline(admin.TabularInline):
    model = PhoneNumber
    extra = 0
    exclude = ["owner"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "owner",
        "intention",
        "circle",
        "company",
        "last_interaction_at",
        "archived_at",
    ]
    list_filter = ["intention", "circle", "reminders_paused"]
    search_fields = ["display_name", "company", "owner__username", "emails__address"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["tags"]
    readonly_fields = [
        "last_interaction_at",
        "last_personal_at",
        "last_professional_at",
        "created_at",
        "updated_at",
    ]
    inlines = [EmailInline, PhoneInline]

    def save_formset(self, request, form, formset, change):
        # Emails and phones always belong to the contact's owner.
        for obj in formset.save(commit=False):
            obj.owner_id = form.instance.owner_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "owner"]
    search_fields = ["name", "owner__username"]
    raw_id_fields = ["owner"]
