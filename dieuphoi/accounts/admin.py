from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dieuphoi.audit.services import audit_record, diff, snapshot

from . import services
from .models import ApiToken, User

AUDITED_USER_FIELDS = [
    "username",
    "full_name",
    "position",
    "agency",
    "email",
    "phone",
    "is_active",
    "is_staff",
    "is_superuser",
    "is_leadership_viewer",
]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "full_name",
        "agency",
        "is_active",
        "is_staff",
        "is_superuser",
        "is_leadership_viewer",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "is_leadership_viewer")
    list_select_related = ("agency",)
    search_fields = ("username", "full_name", "email")
    ordering = ("full_name", "username")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Person"),
            {"fields": ("full_name", "position", "agency", "email", "phone")},
        ),
        (
            _("Access"),
            {
                "fields": (
                    "is_active",
                    "is_leadership_viewer",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "agency",
                    "email",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        # Administrators edit people here rather than through a page of ours,
        # so the audit trail is written here too.
        before = {}
        if change:
            before = snapshot(User.objects.get(pk=obj.pk), AUDITED_USER_FIELDS)
        super().save_model(request, obj, form, change)
        after = snapshot(obj, AUDITED_USER_FIELDS)
        audit_record(
            actor=request.user,
            action="accounts.user_update" if change else "accounts.user_create",
            target=obj,
            changes=diff(before, after),
        )
        if change and before.get("is_active") and not obj.is_active:
            # Deactivated: every session and token ends.
            services.user_deactivated(user=obj, actor=request.user)
        elif change:
            # Administrator, staff or leadership viewer taken away: tokens
            # issued while the user held it end now (not at their next use).
            services.api_tokens_revoke_lost_seats(user=obj, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        # An administrator sets a new password: the user's tokens are revoked
        # (sessions end by themselves: the password is part of their hash).
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            services.api_tokens_revoke_all(
                user=user,
                actor=request.user,
                reason=ApiToken.RevokedReason.PASSWORD_CHANGE,
            )
            audit_record(
                actor=request.user, action="accounts.password_set", target=user
            )
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owner (the raw value is shown once, to them);
    administrators may only look and revoke."""

    list_display = (
        "prefix",
        "name",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "revoked_reason",
    )
    list_filter = ("revoked_at", "revoked_reason")
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username", "user__full_name")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "seats",
        "revoked_at",
        "revoked_reason",
    )
    exclude = ("key_hash",)
    actions = ["revoke_tokens"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(actor=request.user, token=token)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


# One login form for the whole site: the admin's own login page sends an
# anonymous visitor to ours (lockout, two-factor login, audit).
admin.site.login = login_required(admin.site.login)
