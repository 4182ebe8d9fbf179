from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from dieuphoi.core.htmx import render_page
from dieuphoi.core.models import local_today

from . import permissions, selectors, services
from .forms import ApiTokenForm, LoginForm

login = auth_views.LoginView.as_view(
    template_name="registration/login.html",
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
)
logout = auth_views.LogoutView.as_view()


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
