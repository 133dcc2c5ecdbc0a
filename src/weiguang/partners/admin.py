from django.contrib import admin

from .models import PartnerUnit


@admin.register(PartnerUnit)
class PartnerUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["representatives"]
