"""Reference data in the Django admin; region and membership changes go through the services, which audit them."""
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from qingshan.core.errors import ServiceError

from .models import Membership, Organisation, Region, User
from .services import membership_add, membership_check, membership_end, region_save


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent", "level")
    search_fields = ("name", "code")

    def save_model(self, request, obj, form, change):
        region_save(region=obj)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "office_type", "parent", "region", "is_active")
    list_filter = ("kind", "region")
    search_fields = ("name", "short_name")
    filter_horizontal = ("supervised_units",)


class SiteAdminInline(admin.TabularInline):
    # Memberships decide what everyone may see: only a site administrator changes them (the service checks again).
    model = Membership
    can_delete = False  # a role is ended (有效 unticked), never deleted, so past events still name who held it

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser


def _refuse_on_form(form: forms.ModelForm, organisation, role) -> None:
    """Show the service's refusal on the row, before anything is saved."""
    try:
        membership_check(organisation=organisation, role=role)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class MembershipForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if data.get("is_active") and "is_active" in self.changed_data:
            _refuse_on_form(self, self.instance.organisation, self.instance.role)
        return data


class MembershipInline(SiteAdminInline):
    """The person's roles: untick 有效 to end one, tick it again to restore it."""

    form = MembershipForm
    fields = ("organisation", "role", "is_active")
    readonly_fields = ("organisation", "role")
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


class NewMembershipForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if data.get("organisation") and data.get("role"):
            _refuse_on_form(self, data["organisation"], data["role"])
        return data


class NewMembershipInline(SiteAdminInline):
    """Rows to give the person a new role."""

    form = NewMembershipForm
    fields = ("organisation", "role")
    autocomplete_fields = ("organisation",)
    extra = 0
    verbose_name = verbose_name_plural = "新增任职角色"

    def get_queryset(self, request):
        return super().get_queryset(request).none()


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "is_active", "is_staff")
    search_fields = ("username", "full_name")
    fieldsets = BaseUserAdmin.fieldsets + (("青山", {"fields": ("full_name", "phone")}),)
    inlines = [MembershipInline, NewMembershipInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # What formset.save() would have set, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if not row.has_changed() or not row.cleaned_data:
                continue
            m = row.instance
            if m.pk is None:
                formset.new_objects.append(membership_add(
                    actor=request.user, user=form.instance, organisation=row.cleaned_data["organisation"],
                    role=row.cleaned_data["role"]))
            elif "is_active" in row.changed_data:
                if row.cleaned_data["is_active"]:
                    m = membership_add(actor=request.user, user=form.instance, organisation=m.organisation, role=m.role)
                else:
                    m = membership_end(actor=request.user, membership=m)
                formset.changed_objects.append((m, ["is_active"]))
