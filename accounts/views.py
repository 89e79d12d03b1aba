"""Sign up, log in and out, and following. Thin: rules in accounts.services."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.forms import LoginForm, SignupForm
from config.rate_limits import client_key, rate_limit_hit, too_many_requests


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and sign in; then go to `next` (e.g. the remix that asked for an account)."""
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        retry_after = rate_limit_hit("signup", f"ip:{request.META.get('REMOTE_ADDR', '')}")
        if retry_after:
            return too_many_requests(request, retry_after=retry_after, what="Too many sign-ups from here.")
        if form.is_valid():
            try:
                user = services.user_signup(
                    username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to Worldfeed, @{user.get_username()}!")
                return redirect(_next_url(request))
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


class RateLimitedLoginView(LoginView):
    """Django's login view, with attempts limited per client address (guessing passwords is slow)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        retry_after = rate_limit_hit("login", f"ip:{request.META.get('REMOTE_ADDR', '')}")
        if retry_after:
            return too_many_requests(request, retry_after=retry_after, what="Too many attempts to log in.")
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


login_view = RateLimitedLoginView.as_view()
logout_view = LogoutView.as_view()


@require_POST
def follow_api(request: HttpRequest, username: str) -> HttpResponse:
    """Follow or unfollow a creator. JSON body {"following": bool} (without it: toggle).

    Answers {"following", "followers"}; a form post redirects to `next` or the creator's page. (A follow
    made on a world's page goes through worlds' endpoint, which also logs the "follow" signal.)
    """
    followee = get_object_or_404(get_user_model(), username=username, is_active=True)
    wants_json = request.content_type == "application/json"
    if not request.user.is_authenticated:
        if wants_json:
            return JsonResponse(
                {"error": "Sign in to follow creators.", "login_url": reverse("accounts:login")}, status=401
            )
        return redirect(f"{reverse('accounts:login')}?next={reverse('worlds:creator', args=[username])}")
    retry_after = rate_limit_hit("follow", client_key(request))
    if retry_after:
        return too_many_requests(
            request, retry_after=retry_after, what="You're following a lot of people fast."
        )
    wanted = _json_body(request).get("following") if wants_json else request.POST.get("following") == "1"
    if not isinstance(wanted, bool):
        wanted = not selectors.is_following(follower=request.user, followee=followee)
    try:
        following = services.follow_set(follower=request.user, followee=followee, following=wanted)
    except ValidationError as error:
        if wants_json:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        messages.error(request, " ".join(error.messages))
        following = False
    if not wants_json:
        return redirect(
            _next_url(request) if request.POST.get("next") else reverse("worlds:creator", args=[username])
        )
    return JsonResponse(
        {"following": following, "followers": selectors.follow_counts(user=followee).followers}
    )


def _json_body(request: HttpRequest) -> dict:
    if not request.body or len(request.body) > 4096:
        return {}
    try:
        data = json.loads(request.body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
