from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from inventory.models import Warehouse

from .models import User


class UserWarehousesForm(forms.ModelForm):
    """Edit the warehouses a user works in from the user page (the relation lives on Warehouse)."""

    warehouses = forms.ModelMultipleChoiceField(
        label=_("warehouses"),
        queryset=Warehouse.objects.all(),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple(_("warehouses"), is_stacked=False),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["warehouses"].initial = self.instance.warehouses.all()


def end_sessions_of(user: User) -> None:
    """Deactivating a user ends their sessions at once (the session table is small enough to scan)."""
    for session in Session.objects.all().iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = type("UserChangeForm", (UserWarehousesForm, BaseUserAdmin.form), {})
    list_display = ("username", "display_name", "email", "is_active", "is_staff", "roles")
    list_filter = ("is_active", "is_staff", "groups", "warehouses")
    fieldsets = (
        *BaseUserAdmin.fieldsets[:1],
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email", "phone")}),
        (_("Roles and warehouses"), {"fields": ("is_active", "is_staff", "groups", "warehouses")}),
        (_("Extra permissions"), {"classes": ("collapse",), "fields": ("is_superuser", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(g.name for g in obj.groups.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "warehouses" in form.cleaned_data:
            form.instance.warehouses.set(form.cleaned_data["warehouses"])

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and "is_active" in form.changed_data and not obj.is_active:
                end_sessions_of(obj)
