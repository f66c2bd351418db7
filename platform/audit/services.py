from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.forms.models import model_to_dict

from audit.models import AuditEvent
from audit.signals import event_recorded

# Fields never copied into an audit snapshot.
_SECRET_FIELDS = {"password"}


def snapshot(instance: models.Model, *, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-able picture of a model instance for `before` / `after`."""
    data = model_to_dict(instance, fields=fields)
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.name in data:
            data[field.name] = getattr(instance, field.attname)
    return {k: (list(v) if isinstance(v, set | tuple) else v) for k, v in data.items() if k not in _SECRET_FIELDS}


def audit_record(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Write one audit event in the current schema. Must run inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or instance.pk
        object_repr = object_repr or str(instance)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=(actor.get_username() if is_user else (str(actor) if actor else "system"))[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=str(object_repr)[:200],
        before=before,
        after=after,
    )
    event_recorded.send(sender=AuditEvent, event=event)
    return event
