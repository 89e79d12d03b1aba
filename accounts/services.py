"""Writes of accounts: sign-up and follows."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Follow


def user_signup(*, username: str, password: str, email: str = "") -> AbstractBaseUser:
    """Create an active user; the caller has validated the password (forms use the auth validators)."""
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That name is taken."})
    return user_model.objects.create_user(username=username, password=password, email=email)


def follow_set(*, follower: AbstractBaseUser, followee: AbstractBaseUser, following: bool) -> bool:
    """Follow or unfollow (idempotent); returns whether `follower` follows `followee` now.

    ValidationError for following oneself.
    """
    if follower.pk == followee.pk:
        raise ValidationError("You can't follow yourself.")
    if not following:
        Follow.objects.filter(follower=follower, followee=followee).delete()
        return False
    try:
        with transaction.atomic():
            Follow.objects.get_or_create(follower=follower, followee=followee)
    except IntegrityError:  # a concurrent request made the same row
        pass
    return True
