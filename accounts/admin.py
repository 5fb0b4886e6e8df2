from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
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
