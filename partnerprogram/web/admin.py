"""What every model admin of the program shares."""

from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import DataError
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from partnerprogram.models import user_label


class ProgramAdmin(SimpleHistoryAdmin):
    """A model admin with change history, whose change list treats a filter value the
    database cannot hold (?partner=92233720368547758070) like any other bad filter: back to
    the list with Django's "?e=1" message, not a server error. Users (account managers,
    owners, who recorded a row) are named as the pages name them: full name, else username."""

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (OverflowError, DataError):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")

    def get_list_display(self, request):
        return [_user_column(self.model, name) for name in super().get_list_display(request)]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is not get_user_model():
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        users = get_user_model().objects.order_by("first_name", "last_name", "username")
        kwargs.setdefault("queryset", users)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.label_from_instance = user_label
        return field


def _user_column(model, name):
    """The list column `name`; for a foreign key to a user, one that shows its full name."""
    try:
        field = model._meta.get_field(name) if isinstance(name, str) else None
    except FieldDoesNotExist:
        return name
    if field is None or not field.is_relation or field.related_model is not get_user_model():
        return name

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj):
        return user_label(getattr(obj, name))

    column.__name__ = name
    return column
