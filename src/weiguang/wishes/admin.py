from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from weiguang.core.admin import ReadOnlyAdmin, SafeAutocompleteAdmin

from .models import Claim, Wish, WishCategory, WishPolicy


@admin.register(WishCategory)
class WishCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "kind", "keywords", "active", "ordering"]
    list_editable = ["active", "ordering"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "name_en", "keywords"]


@admin.register(WishPolicy)
class WishPolicyAdmin(SafeAutocompleteAdmin):
    list_display = ["street", "item_value_cap"]
    autocomplete_fields = ["street"]


class ClaimInline(admin.TabularInline):
    model = Claim
    fields = ["claimer", "partner", "promised_date", "status", "created_at", "ended_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Wish)
class WishAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "status",
        "kind",
        "category",
        "masked_resident",
        "community",
        "channel",
        "created_at",
    ]
    list_filter = ["status", "kind", "channel", "category"]
    search_fields = ["title"]
    date_hierarchy = "created_at"
    exclude = ["resident"]
    inlines = [ClaimInline]
    list_select_related = ["resident", "category", "community"]

    @admin.display(description=_("resident"))
    def masked_resident(self, obj):
        return obj.resident.masked_name
