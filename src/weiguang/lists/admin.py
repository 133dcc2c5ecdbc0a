from django.contrib import admin

from .models import Project, Survey, SurveyQuestion


# Projects and surveys change through the services (the API and pages), which check access
# and write the audit log; the admin shows them read-only.
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["title", "region", "owner", "status", "starts_on", "ends_on"]
    list_filter = ["status"]
    search_fields = ["title", "plan", "outcome"]


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0
    fields = ["ordering", "text", "options", "multiple"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["title", "region", "open", "created_at"]
    list_filter = ["open"]
    search_fields = ["title"]
    inlines = [SurveyQuestionInline]
