import pytest


@pytest.fixture
def short_bots(settings):
    """Bots play two seconds each: enough frames for every scanner, quick on a shared CPU."""
    settings.MODERATION_BOT_SECONDS = 2.0
    return settings


@pytest.fixture
def moderator(django_user_model):
    """A staff user with the moderation permissions (view cases, decide them)."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="mod", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="moderation",
            codename__in=[
                "view_reviewcase",
                "decide_reviewcase",
                "view_playthrough",
                "view_auditentry",
                "view_policyrule",
                "change_policyrule",
            ],
        )
    )
    return django_user_model.objects.get(pk=user.pk)  # fresh: no stale permission cache
