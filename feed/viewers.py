"""Who is watching: one stable key for signed-in users and anonymous sessions alike."""

from __future__ import annotations

from django.http import HttpRequest


def viewer_key_for(*, user, session) -> str | None:
    """'u:<id>' for a signed-in user, 's:<session key>' for an anonymous session, else None."""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"u:{user.pk}"
    key = getattr(session, "session_key", None)
    return f"s:{key}" if key else None


def ensure_viewer_key(request: HttpRequest) -> str:
    """The request's viewer key, creating the anonymous session if there is none yet."""
    if not request.user.is_authenticated and not request.session.session_key:
        request.session["viewer"] = True
        request.session.save()
    return viewer_key_for(user=request.user, session=request.session)
