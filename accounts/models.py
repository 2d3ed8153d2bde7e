from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in. Roles are groups (see accounts.roles); warehouses a user works in
    are kept on the warehouse side (inventory.Warehouse.members, reachable as user.warehouses)."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("grant_finance", _("Can give and take the finance role"))]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username
