from django.contrib import admin

from .models import PointsRule, RewardItem, Skill, Team, Volunteer


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "keywords", "ordering"]
    list_editable = ["keywords", "ordering"]


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = ["street", "per_hour", "party_member_multiplier", "team_leader_multiplier"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "colour", "region"]
    list_filter = ["colour"]
    filter_horizontal = ["leaders"]


@admin.register(RewardItem)
class RewardItemAdmin(admin.ModelAdmin):
    """Prices and names here; stock changes go through the service (restock, redeem)."""

    list_display = ["name", "street", "points", "stock", "active"]
    readonly_fields = ["stock"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    """Approval and the ledgers change only through the services; the admin may look."""

    list_display = ["number", "masked_name", "status", "home_region", "verified_hours", "points_balance"]
    list_filter = ["status", "party_member"]
    search_fields = ["number"]
    exclude = ["id_number", "phone", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
