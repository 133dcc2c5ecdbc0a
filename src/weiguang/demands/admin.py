from django.contrib import admin

from .models import Demand, DemandCategory, Department, Holiday, Transfer


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "street", "is_workday", "name"]
    list_filter = ["street", "is_workday"]
    date_hierarchy = "date"


@admin.register(DemandCategory)
class DemandCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "parent", "active", "ordering"]
    list_editable = ["active", "ordering"]
    search_fields = ["name", "name_en"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "street"]
    list_filter = ["street"]
    filter_horizontal = ["handlers"]
    search_fields = ["name"]


class TransferInline(admin.TabularInline):
    model = Transfer
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    """States change only through the services; the admin may look, never edit."""

    list_display = ["title", "status", "channel", "community", "urgent", "created_at", "handle_due"]
    list_filter = ["status", "channel", "urgent", "street"]
    search_fields = ["title", "tracking_code"]
    inlines = [TransferInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
