from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from .models import AuditEntry


def log_action(
    obj, action: str, by=None, *, from_state: str = "", to_state: str = "", note: str = "", **data
):
    """Append one audit entry for `obj`. Call inside the transaction that made the change."""
    return AuditEntry.objects.create(
        actor=by if getattr(by, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        from_state=from_state,
        to_state=to_state,
        note=note or "",
        data=data,
    )


def save_and_log_update(locked, by, fields: dict, relations: dict | None = None) -> None:
    """Set `fields` on the row (locked by the caller's transaction) and its many-to-many
    `relations`, save, and log one "update" entry naming the fields that changed (every relation
    given counts as changed)."""
    changed = sorted(n for n, v in fields.items() if getattr(locked, n) != v)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    for name, values in (relations or {}).items():
        getattr(locked, name).set(values)
        changed.append(name)
    log_action(locked, "update", by, fields=changed)


def history_of(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
