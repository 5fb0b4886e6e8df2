from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        # django-stubs types ModelAdmin.fieldsets as optional; UserAdmin always sets it.
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            "Kith settings",
            {
                "fields": (
                    "time_zone",
                    "reminder_email",
                    ("digest_frequency", "digest_hour", "digest_weekday"),
                    ("personal_inner_days", "personal_close_days", "personal_wider_days"),
                    ("professional_inner_days", "professional_close_days", "professional_wider_days"),
                )
            },
        ),
    )
    list_display = ["username", "email", "time_zone", "digest_frequency", "is_staff", "date_joined"]

    def save_model(self, request, obj, form, change):
        # The same path as the settings page, so a change made here renews the unsubscribe secret and
        # re-plans follow-ups just the same.
        if change:
            obj.settings_save(form.changed_data)
        else:
            super().save_model(request, obj, form, change)
