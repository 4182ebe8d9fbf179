import base64
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event
from django_otp import login as otp_login

from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today

from . import permissions, selectors, services
from .forms import ApiTokenForm, LoginForm, OtpCodeForm
from .middleware import TWO_FACTOR


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)  # logs in: middleware.session_start
        services.auth_event_record(action="accounts.login", user=form.get_user())
        state = self.request.session.get(TWO_FACTOR)
        if state:
            name = (
                "accounts:two-factor-verify"
                if state == services.TWO_FACTOR_VERIFY
                else "accounts:two-factor-setup"
            )
            query = urlencode({"next": self.get_success_url()})
            return redirect(f"{resolve_url(name)}?{query}")
        return response


login = LoginView.as_view()
_logout = auth_views.LogoutView.as_view()


def logout(request):
    """POST only (Django's LogoutView); ends every session of the user."""
    if request.method == "POST" and request.user.is_authenticated:
        services.user_logout(user=request.user)
    return _logout(request)


@login_required
def password_change(request):
    form = PasswordChangeForm(user=request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        # Keep this session signed in; other sessions of the user end.
        update_session_auth_hash(request, request.user)
        return redirect("accounts:password-change-done")
    return render(request, "registration/password_change_form.html", {"form": form})


@login_required
def password_change_done(request):
    return render(request, "registration/password_change_done.html")


def _profile_context(request, *, token_form=None, new_token=None, new_raw=None):
    user = request.user
    return {
        "profile_user": user,
        "memberships": selectors.user_membership_list(user=user),
        "today": local_today(),
        "tokens": selectors.api_token_list(user=user),
        "token_form": token_form or ApiTokenForm(),
        "new_token": new_token,
        "new_token_raw": new_raw,
        "api_token_days": settings.API_TOKEN_DAYS,
        "two_factor": selectors.two_factor_status(user=user),
    }


@login_required
def profile(request):
    return render_page(
        request, "accounts/profile.html", _profile_context(request), "api-tokens"
    )


@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        context = _profile_context(request, token_form=form)
        return render_page(request, "accounts/profile.html", context, "api-tokens")
    token, raw = services.api_token_create(
        user=request.user, name=form.cleaned_data["name"]
    )
    # The raw token is shown in this response only (it is not stored), so the
    # page is rendered directly instead of redirecting, and never cached.
    context = _profile_context(request, new_token=token, new_raw=raw)
    response = render_page(request, "accounts/profile.html", context, "api-tokens")
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = permissions.access_api_token(user=request.user, pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    message = _("The token %(prefix)s… has been revoked.") % {"prefix": token.prefix}
    if request.htmx:
        response = render_page(
            request, "accounts/profile.html", _profile_context(request), "api-tokens"
        )
        return trigger_client_event(
            response, "showToast", {"message": message, "level": "success"}
        )
    messages.success(request, message)
    return redirect("accounts:profile")


# --- two-factor login ------------------------------------------------------------


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _qr_data_uri(text: str) -> str:
    """The QR code of ``text`` as an SVG data URI (the CSP allows data:
    images; no inline script or style)."""
    image = qrcode.make(
        text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2
    )
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _recovery_codes_page(request, codes):
    response = render(
        request,
        "registration/two_factor_recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )
    add_never_cache_headers(response)
    return response


@login_required
def two_factor_setup(request):
    user = request.user
    if services.two_factor_has_device(user=user):
        return redirect("accounts:profile")
    device = services.two_factor_pending_device(user=user)
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.two_factor_enrol(
                user=user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            otp_login(request, device)
            request.session[TWO_FACTOR] = services.TWO_FACTOR_VERIFY
            return _recovery_codes_page(request, codes)
    key = base64.b32encode(device.bin_key).decode()
    response = render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            "required": services.two_factor_required(user=user),
            "next": _next_url(request),
        },
    )
    add_never_cache_headers(response)
    return response


@login_required
def two_factor_verify(request):
    user = request.user
    if not services.two_factor_has_device(user=user):
        return redirect("accounts:two-factor-setup")
    if user.is_verified():
        return redirect(_next_url(request))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.two_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            request.session[TWO_FACTOR] = services.TWO_FACTOR_VERIFY
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _("The code is not valid. Check the time on your phone and try again."),
        )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )


def _require_verified(request):
    if not request.user.is_verified():
        raise PermissionDenied


@login_required
@require_POST
def two_factor_recovery_codes(request):
    _require_verified(request)
    codes = services.two_factor_recovery_codes_renew(user=request.user)
    return _recovery_codes_page(request, codes)


@login_required
@require_POST
def two_factor_disable(request):
    _require_verified(request)
    services.two_factor_disable(user=request.user)
    request.session[TWO_FACTOR] = services.two_factor_state(user=request.user)
    messages.success(request, _("Two-factor login has been turned off."))
    return redirect("accounts:profile")
