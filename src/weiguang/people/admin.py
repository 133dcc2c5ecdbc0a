from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils.translation import gettext_lazy as _

from weiguang.core.admin import SafeAutocompleteAdmin

from .models import PopulationGroup, Resident, validate_id_number
from .services import view_resident_record


@admin.register(PopulationGroup)
class PopulationGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "ordering"]
    list_editable = ["ordering"]
    prepopulated_fields = {"code": ["name"]}


class ResidentAdminForm(forms.ModelForm):
    """The ID number is never shown whole: the form shows it masked and takes a new one."""

    new_id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        max_length=18,
        validators=[validate_id_number],
        help_text=_("Leave empty to keep the stored number."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = Resident
        fields = [
            "name",
            "gender",
            "birth_date",
            "phone",
            "grid",
            "building",
            "door",
            "groups",
            "consent",
            "user",
        ]

    def save(self, commit=True):
        new = self.cleaned_data.get("new_id_number")
        if new:
            self.instance.id_number = new.strip().upper()
        return super().save(commit)


@admin.register(Resident)
class ResidentAdmin(SafeAutocompleteAdmin):
    form = ResidentAdminForm
    list_display = [
        "name",
        "gender",
        "masked_phone_display",
        "masked_id_display",
        "grid",
        "building",
        "consent",
    ]
    list_filter = ["consent", "groups", "gender"]
    search_fields = ["name", "phone", "=id_number", "building"]
    autocomplete_fields = ["grid", "user"]
    filter_horizontal = ["groups"]
    readonly_fields = ["masked_id_display"]
    fields = [
        "name", "gender", "birth_date", "phone", "masked_id_display", "new_id_number",
        "grid", "building", "door", "groups", "consent", "user",
    ]  # fmt: skip
    list_select_related = ["grid"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":  # the full record is shown: audited (PIPL)
            resident = self.get_object(request, unquote(object_id))
            if resident is not None:
                view_resident_record(resident, request.user, via="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("phone"))
    def masked_phone_display(self, obj):
        return obj.masked_phone

    @admin.display(description=_("ID number"))
    def masked_id_display(self, obj):
        return obj.masked_id_number or "—"
