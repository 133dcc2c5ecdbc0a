from django.db import migrations


def buildings_from_residents(apps, schema_editor):
    """Make the buildings choosable: one regions.Building per distinct building text of the
    residents of each grid (Resident.building stays text). People sits above regions, so the
    fill lives here; saving a resident and the demo add buildings from then on."""
    Resident = apps.get_model("people", "Resident")
    Building = apps.get_model("regions", "Building")
    pairs = Resident.objects.exclude(building="").values_list("grid_id", "building").distinct()
    seen = set()
    for grid_id, name in pairs.iterator():
        name = " ".join(name.split())[:30]
        if name and (grid_id, name) not in seen:
            seen.add((grid_id, name))
            Building.objects.get_or_create(grid_id=grid_id, name=name)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_default_groups"), ("regions", "0002_building")]
    operations = [migrations.RunPython(buildings_from_residents, migrations.RunPython.noop)]
