"""Framework plumbing: Django's and django-axes' login signals into the audit
trail, and the session keys the login policy middleware reads."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from . import services
from .middleware import session_start


def _channel(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    if request is None:  # a script or test authenticating without a client
        return
    services.login_failed_record(
        username=str(credentials.get("username") or ""), channel=_channel(request)
    )


@receiver(user_locked_out, dispatch_uid="accounts.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    services.auth_event_record(
        action="accounts.lockout",
        user=services.User.objects.filter(username=username or "").first(),
        username=username or "",
        changes={"username": (username or "")[:150], "ip": ip_address or ""},
        signed_in=False,
    )


@receiver(user_logged_in, dispatch_uid="accounts.session_start")
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_start(request, user)
