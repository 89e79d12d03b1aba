"""Sign-up and log-in forms (Django's auth forms, with our field limits and wording)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator


class SignupForm(UserCreationForm):
    """Username and password twice; usernames are letters, digits and @.+-_ (Django's validator)."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.max_length = 30
        username.validators.append(MaxLengthValidator(30))
        username.widget.attrs.update(
            maxlength="30", autocomplete="username", autocapitalize="none", spellcheck="false"
        )
        username.help_text = "Up to 30 letters, digits and @ . + - _ — it's your @handle."
        self.fields["password1"].help_text = "At least 8 characters, not only digits, not a common password."

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That name is taken.")
        return username


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocapitalize="none", spellcheck="false")
