from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0002_units_resources_projects_surveys"),
    ]

    # Projects and surveys moved to the lists app with their tables (lists/0001_initial):
    # only Django's idea of where the models live changes, no table is touched.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="survey",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="survey",
                    name="region",
                ),
                migrations.RemoveField(
                    model_name="surveyresponse",
                    name="survey",
                ),
                migrations.RemoveField(
                    model_name="surveyquestion",
                    name="survey",
                ),
                migrations.RemoveField(
                    model_name="surveyresponse",
                    name="collected_by",
                ),
                migrations.RemoveField(
                    model_name="surveyresponse",
                    name="grid",
                ),
                migrations.DeleteModel(
                    name="Project",
                ),
                migrations.DeleteModel(
                    name="Survey",
                ),
                migrations.DeleteModel(
                    name="SurveyQuestion",
                ),
                migrations.DeleteModel(
                    name="SurveyResponse",
                ),
            ],
            database_operations=[],
        ),
    ]
