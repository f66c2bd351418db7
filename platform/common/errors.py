"""The one domain error type.

Services raise `DomainError` (or its `ValidationFailed` subclass carrying per-field messages);
the DRF exception handler maps it to HTTP once (`common.api.exception_handler`) and
`apply_to_form` maps it onto a Django form. Messages are translatable constants so tests can
assert them.
"""
from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NOT_FOUND = _("Not found.")
PERMISSION_DENIED = _("You do not have permission to do this.")


class DomainError(Exception):
    """A business rule was broken; nothing was written."""

    status_code = 400
    code = "invalid"

    def __init__(self, message, *, code: str | None = None, field_errors: Mapping[str, list] | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field_errors = {k: [str(m) for m in v] for k, v in (field_errors or {}).items()}

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> DomainError:
        if hasattr(exc, "error_dict"):
            fields = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
            non_field = fields.pop("__all__", [])
            message = non_field[0] if non_field else _("Please correct the errors below.")
            return cls(message, field_errors=fields)
        return cls("; ".join(str(m) for m in exc.messages))

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "fields": self.field_errors}


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"

    def __init__(self, message=PERMISSION_DENIED, **kwargs):
        super().__init__(message, **kwargs)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"

    def __init__(self, message=NOT_FOUND, **kwargs):
        super().__init__(message, **kwargs)


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


def apply_to_form(form, error: DomainError) -> None:
    """Show a domain error on a bound form: per-field where possible, else non-field."""
    for field, messages in error.field_errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
    if not error.field_errors:
        form.add_error(None, str(error.message))


def submit_form(request, form, action):
    """Run `action(form.cleaned_data)` for a POST whose form is valid.

    Returns `(True, result)` when the action succeeded; `(False, None)` when nothing was posted,
    the form is invalid, or the action raised a DomainError (which is then shown on the form).
    """
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        return True, action(form.cleaned_data)
    except DomainError as error:
        apply_to_form(form, error)
        return False, None


def full_clean_or_raise(instance, **kwargs) -> None:
    """`full_clean()` that raises a DomainError with per-field messages.

    Every service saves through here, so this is also where the one rule for all stored text is
    applied: no control characters in any text field, and every date in a plausible range
    (`common.validators`)."""
    from common.validators import control_character_errors, date_range_errors

    errors = {**date_range_errors(instance), **control_character_errors(instance)}
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        if not errors:
            raise DomainError.from_validation_error(exc) from exc
        errors = {**exc.message_dict, **errors} if hasattr(exc, "error_dict") else errors
    if errors:
        raise DomainError.from_validation_error(ValidationError(errors))
