"""Reads of accounts: follow state and counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from accounts.models import Follow


@dataclass(frozen=True)
class FollowCounts:
    followers: int
    following: int


def follow_counts(*, user: AbstractBaseUser) -> FollowCounts:
    return FollowCounts(
        followers=Follow.objects.filter(followee=user).count(),
        following=Follow.objects.filter(follower=user).count(),
    )


def is_following(*, follower: AbstractBaseUser | None, followee: AbstractBaseUser) -> bool:
    if follower is None or not follower.is_authenticated or follower.pk == followee.pk:
        return False
    return Follow.objects.filter(follower=follower, followee=followee).exists()


def followers_of(*, user: AbstractBaseUser, limit: int = 50) -> list[AbstractBaseUser]:
    """The most recent followers of `user`, newest first."""
    return [
        f.follower
        for f in Follow.objects.filter(followee=user)
        .select_related("follower")
        .order_by("-created_at")[:limit]
    ]


def followed_user_ids(*, user: AbstractBaseUser) -> set[int]:
    """Ids of the users `user` follows (for the recommender: follows made anywhere, not only on worlds)."""
    if not user.is_authenticated:
        return set()
    return set(Follow.objects.filter(follower=user).values_list("followee_id", flat=True))
