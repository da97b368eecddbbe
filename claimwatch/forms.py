"""What every form shares: a service's ValidationError shown next to the fields it names."""

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the form's fields (or above them), so the
    page shows it with what the user typed."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class BoundedCharField(forms.CharField):
    """Text with a limit checked on the server, with a message next to the field.

    No `maxlength` attribute: a browser cuts a pasted text at it without a word, and a
    statement must never be saved cut short."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for validator in self.validators:
            if isinstance(validator, validators.MaxLengthValidator):
                validator.message = (
                    "Keep this under %(limit_value)s characters (it has %(show_value)s)."
                )

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs
