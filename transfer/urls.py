from django.urls import path

from transfer import views

urlpatterns = [
    path("", views.transfer_home, name="transfer"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("import/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("export/contacts.vcf", views.export_vcard, name="export_vcard"),
    path("export/contacts.csv", views.export_contacts_csv, name="export_contacts_csv"),
    path("export/interactions.csv", views.export_interactions_csv, name="export_interactions_csv"),
    path("export/backup.json", views.export_backup, name="export_backup"),
    path("restore/", views.backup_restore_view, name="backup_restore"),
    path("duplicates/", views.merge_duplicates, name="merge_duplicates"),
    path("merge/<int:keep>/<int:other>/", views.merge_contacts, name="merge_contacts"),
]
