from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Membership, Organisation, Region, User
from .services import region_save


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


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organisation",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "is_active", "is_staff")
    search_fields = ("username", "full_name")
    fieldsets = BaseUserAdmin.fieldsets + (("青山", {"fields": ("full_name", "phone")}),)
    inlines = [MembershipInline]
