from django.db import migrations

GROUPS = [
    ("elderly_alone", "独居老人"),
    ("elderly", "老年人"),
    ("disabled", "残疾人"),
    ("low_income", "低收入家庭"),
    ("child", "儿童"),
    ("child_in_difficulty", "困境儿童"),
    ("new_economy", "新就业群体"),
    ("veteran", "退役军人"),
    ("special_family", "特殊家庭"),
]


def add_groups(apps, schema_editor):
    PopulationGroup = apps.get_model("people", "PopulationGroup")
    for order, (code, name) in enumerate(GROUPS):
        PopulationGroup.objects.get_or_create(code=code, defaults={"name": name, "ordering": order})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(add_groups, migrations.RunPython.noop)]
