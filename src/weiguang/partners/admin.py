from django.contrib import admin

from .models import Alliance, PartnerUnit, Resource


@admin.register(PartnerUnit)
class PartnerUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["representatives"]


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ["name", "street"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "kind", "quantity", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["title", "keywords"]
