from __future__ import annotations

from collections.abc import Iterable
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
    _in_transaction()
    event = _event(actor=actor, action=action, instance=instance, object_type=object_type, object_id=object_id,
                   object_repr=object_repr, before=before, after=after)
    event.save()
    event_recorded.send(sender=AuditEvent, event=event)
    return event


def audit_record_many(*, actor, action: str, changes: Iterable[tuple[models.Model, dict | None, dict | None]]
                      ) -> list[AuditEvent]:
    """`audit_record` of one action on many instances, `changes` being (instance, before, after)
    triples: one event each, written in one statement (a daily job that flags hundreds of rows).
    Must run inside the change's transaction."""
    _in_transaction()
    events = AuditEvent.objects.bulk_create([
        _event(actor=actor, action=action, instance=instance, before=before, after=after)
        for instance, before, after in changes
    ])
    for event in events[:1]:  # listeners learn of the transaction's change once (`audit.signals`)
        event_recorded.send(sender=AuditEvent, event=event)
    return events


def _in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")


def _event(*, actor, action: str, instance: models.Model | None = None, object_type: str = "",
           object_id: str | int = "", object_repr: str = "", before: dict | None = None,
           after: dict | None = None) -> AuditEvent:
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or instance.pk
        object_repr = object_repr or str(instance)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor=actor if is_user else None,
        actor_label=(actor.get_username() if is_user else (str(actor) if actor else "system"))[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=str(object_repr)[:200],
        before=before,
        after=after,
    )
