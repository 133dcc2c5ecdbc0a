from django.db import migrations

# The population groups every street starts with: code, name, name in English.
GROUPS = [
    ("elderly_alone", "独居老人", "Elderly living alone"),
    ("elderly", "老年人", "Elderly"),
    ("disabled", "残疾人", "People with disabilities"),
    ("low_income", "低收入家庭", "Low-income families"),
    ("child", "儿童", "Children"),
    ("child_in_difficulty", "困境儿童", "Children in difficulty"),
    ("new_economy", "新就业群体", "New-economy workers"),
    ("veteran", "退役军人", "Veterans"),
    ("special_family", "特殊家庭", "Special families"),
]


def add_groups(apps, schema_editor):
    PopulationGroup = apps.get_model("people", "PopulationGroup")
    for order, (code, name, name_en) in enumerate(GROUPS):
        PopulationGroup.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "ordering": order})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(add_groups, migrations.RunPython.noop)]
