from django.contrib import admin

from weiguang.core.admin import SafeAutocomplete, SafeAutocompleteAdmin

from .models import Building, Membership, Region


class MembershipInline(SafeAutocomplete, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Region)
class RegionAdmin(SafeAutocompleteAdmin):
    list_display = ["name", "kind", "parent", "path"]
    list_filter = ["kind"]
    search_fields = ["name"]
    readonly_fields = ["path"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]
    list_select_related = ["parent"]


@admin.register(Membership)
class MembershipAdmin(SafeAutocompleteAdmin):
    list_display = ["user", "role", "region", "created_at"]
    list_filter = ["role", "region__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "region__name"]
    autocomplete_fields = ["user", "region"]
    list_select_related = ["user", "region"]


@admin.register(Building)
class BuildingAdmin(SafeAutocompleteAdmin):
    list_display = ["name", "grid"]
    search_fields = ["name", "grid__name"]
    autocomplete_fields = ["grid"]
    list_select_related = ["grid"]
