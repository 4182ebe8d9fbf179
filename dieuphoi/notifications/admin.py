"""Admin: notifications and the outbox are read-only here (services write
them); failed e-mails are also listed, with a resend button, on the
``notifications:emails`` page."""

from django.contrib import admin

from .models import KindPreference, Notification, NotificationPreference, OutgoingEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = ["id", "to", "kind", "day", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject", "key"]
    list_select_related = ["recipient"]
    exclude = ["claim"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "title", "day", "read_at"]
    list_filter = ["kind", "email_mode"]
    search_fields = ["title", "key"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "digest"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_mode", "language", "updated_at"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(KindPreference)
class KindPreferenceAdmin(ReadOnlyAdmin):
    """Changed by each person on their settings page (the service refuses
    switching off a must-act kind), so read-only here."""

    list_display = ["user", "kind", "mode", "updated_at"]
    list_filter = ["kind", "mode"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
