"""Forms for creating, remixing and editing worlds, commenting and reporting.

Forms check shape (lengths, choices, the image); the services check the rest (text screen, quota) and
raise ValidationError keyed by field, which views hand to `form.add_error(None, error)` so every error
appears beside its field.
"""

from __future__ import annotations

from django import forms

from worlds.mechanics import mechanic_choices, mechanic_options
from worlds.models import Comment, World
from worlds.reference_images import reference_image_clean

IMAGE_ACCEPT = "image/png,image/jpeg,image/webp"


class MechanicsWidget(forms.CheckboxSelectMultiple):
    """Checkboxes whose options also carry the mechanic's one-line description (`option.data.description`)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        option["description"] = dict((key, text) for key, _label, text in mechanic_options()).get(
            str(value), ""
        )
        return option


class WorldForm(forms.Form):
    """A world's creator-editable fields. `mode` is "create", "remix" or "edit" (adds the image switches)."""

    title = forms.CharField(
        max_length=World.TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "Name your world"}),
    )
    prompt = forms.CharField(
        max_length=World.PROMPT_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "a misty swamp with lantern lights and slow bog creatures"}
        ),
        help_text=f"Describe the place, its mood and what lives there. Up to {World.PROMPT_MAX_LENGTH} characters.",
    )
    mechanics = forms.MultipleChoiceField(
        choices=mechanic_choices,
        required=False,
        widget=MechanicsWidget,
        help_text="What the world model can make happen.",
    )
    reference_image = forms.FileField(
        required=False,
        label="Starting scene (optional)",
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text="PNG, JPEG or WebP, up to 5 MB and 4096×4096. It becomes the world's first frame.",
    )
    keep_parent_image = forms.BooleanField(required=False, label="Start from the original's scene")
    remove_image = forms.BooleanField(required=False, label="Remove the starting scene")

    def __init__(self, *args, mode: str = "create", **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode
        if mode != "remix":
            del self.fields["keep_parent_image"]
        if mode != "edit":
            del self.fields["remove_image"]

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()

    def clean_reference_image(self):
        upload = self.cleaned_data.get("reference_image")
        return reference_image_clean(upload) if upload else None


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=Comment.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Say something about this world"}),
    )


class ReportForm(forms.Form):
    REASONS = [
        ("harmful", "Violent, hateful or harmful"),
        ("sexual", "Sexual content"),
        ("spam", "Spam or scam"),
        ("copyright", "Someone else's work"),
        ("broken", "Broken or unplayable"),
        ("other", "Something else"),
    ]
    reason = forms.ChoiceField(choices=REASONS, widget=forms.RadioSelect, label="What's wrong?")
    details = forms.CharField(
        required=False, max_length=500, label="Details (optional)", widget=forms.Textarea(attrs={"rows": 2})
    )

    def report_reason(self) -> str:
        """The reason text handed to moderation: the category label, then the reporter's words."""
        label = dict(self.REASONS)[self.cleaned_data["reason"]]
        details = self.cleaned_data.get("details", "").strip()
        return f"{label}: {details}" if details else label
