"""Admin: comments are read-only here (the services write them, with their
audit events and notifications)."""

from django.contrib import admin

from .models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "target_type", "target_id", "thread", "author", "created_at"]
    list_select_related = ["author", "target_type"]
    search_fields = ["text"]
    raw_id_fields = ["author"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
