"""Demand.reopened_at: when the demand was last reopened as a warning order. It was read off the
audit log (the reopen and reopen_by_code entries); the backfill copies the latest one."""

from django.db import migrations, models

REOPEN_ACTIONS = ("reopen", "reopen_by_code")


def backfill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEntry = apps.get_model("core", "AuditEntry")
    Demand = apps.get_model("demands", "Demand")
    demand_type = ContentType.objects.filter(app_label="demands", model="demand").first()
    if demand_type is None:  # a fresh database: no demand was ever audited
        return
    latest = {}
    entries = AuditEntry.objects.filter(content_type=demand_type, action__in=REOPEN_ACTIONS)
    for object_id, at in entries.order_by("created_at", "id").values_list("object_id", "created_at"):
        latest[int(object_id)] = at  # the latest reopening wins
    demands = list(Demand.objects.filter(pk__in=list(latest)).only("id"))
    for d in demands:
        d.reopened_at = latest[d.pk]
    Demand.objects.bulk_update(demands, ["reopened_at"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_installation"),
        ("demands", "0005_name_en"),
    ]

    operations = [
        migrations.AddField(
            model_name="demand",
            name="reopened_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
