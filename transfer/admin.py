from django.contrib import admin

from transfer.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "owner", "source", "status", "total", "created", "updated", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["filename", "owner__username"]
    exclude = ["rows"]
    readonly_fields = ["owner", "filename", "source", "total", "progress", "created", "updated", "error"]
