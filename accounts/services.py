"""Writes of the accounts app that are not Django's own: giving and taking the finance role."""

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from inventory.exceptions import DomainError

from .roles import FINANCE


class AccountsError(DomainError):
    pass


@transaction.atomic
def set_finance_role(*, user_id: int, grant: bool, by) -> None:
    """Give (or take) the finance role: recording, allocating and reversing payments on both
    books. Recorded in the user's change history (the admin's log) with who did it."""
    User = get_user_model()
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None or not user.is_active:
        raise AccountsError(_("Only an active user can be given the finance role."))
    group = Group.objects.get(name=FINANCE)
    has = user.groups.filter(pk=group.pk).exists()
    if has == grant:
        return
    if grant:
        user.groups.add(group)
        message = "Finance role given"
    else:
        user.groups.remove(group)
        message = "Finance role taken"
    LogEntry.objects.create(
        user=by,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=str(user)[:200],
        action_flag=CHANGE,
        change_message=message,
    )
