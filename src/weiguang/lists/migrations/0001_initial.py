"""Projects and surveys move from partners to lists without moving data: the tables keep their
names (Meta.db_table, and the many-to-many tables of Project follow from it), partners forgets
the models (partners/0003) and lists takes them over, state only. The content types are
relabelled, so the audit entries (a generic key) and the permissions of the moved models
still point at them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["project", "survey", "surveyquestion", "surveyresponse"]


def _relabel(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in MOVED:
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)


def to_lists(apps, schema_editor):
    _relabel(apps, schema_editor, "partners", "lists")


def to_partners(apps, schema_editor):
    _relabel(apps, schema_editor, "lists", "partners")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('demands', '0005_name_en'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('partners', '0003_projects_and_surveys_move_to_lists'),
        ('regions', '0001_initial'),
        ('wishes', '0007_name_en'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Survey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=60, verbose_name='title')),
                        ('open', models.BooleanField(default=True, verbose_name='collecting answers')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='surveys', to='regions.region')),
                    ],
                    options={
                        'verbose_name': 'survey',
                        'verbose_name_plural': 'surveys',
                        'db_table': 'partners_survey',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Project',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=60, verbose_name='title')),
                        ('plan', models.TextField(max_length=4000, verbose_name='plan')),
                        ('starts_on', models.DateField(blank=True, null=True, verbose_name='starts')),
                        ('ends_on', models.DateField(blank=True, null=True, verbose_name='ends')),
                        ('status', models.CharField(choices=[('planned', 'Planned'), ('running', 'Running'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='planned', max_length=10)),
                        ('outcome', models.TextField(blank=True, max_length=4000, verbose_name='outcome')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('demands', models.ManyToManyField(blank=True, related_name='projects', to='demands.demand')),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='owned_projects', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                        ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='projects', to='regions.region')),
                        ('resources', models.ManyToManyField(blank=True, related_name='projects', to='partners.resource')),
                        ('wishes', models.ManyToManyField(blank=True, related_name='projects', to='wishes.wish')),
                        ('surveys', models.ManyToManyField(blank=True, related_name='projects', to='lists.survey')),
                    ],
                    options={
                        'verbose_name': 'project',
                        'verbose_name_plural': 'projects',
                        'db_table': 'partners_project',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='SurveyQuestion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.CharField(max_length=200, verbose_name='question')),
                        ('options', models.JSONField(blank=True, default=list, verbose_name='options')),
                        ('multiple', models.BooleanField(default=False, verbose_name='several answers allowed')),
                        ('ordering', models.PositiveSmallIntegerField(default=0)),
                        ('survey', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questions', to='lists.survey')),
                    ],
                    options={
                        'db_table': 'partners_surveyquestion',
                        'ordering': ['survey', 'ordering', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='SurveyResponse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('answers', models.JSONField(default=dict)),
                        ('channel', models.CharField(choices=[('visit', 'Home visit'), ('online', 'Online')], max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('collected_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('grid', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region')),
                        ('survey', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='responses', to='lists.survey')),
                    ],
                    options={
                        'db_table': 'partners_surveyresponse',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_lists, to_partners),
    ]
