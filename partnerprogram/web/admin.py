"""What every model admin of the program shares."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import DataError, models
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from partnerprogram.models import user_label
from partnerprogram.web.fields import users_by_name


class ProgramAdminSite(admin.AdminSite):
    """The admin site (settings: partnerprogram.apps.ProgramAdminConfig), whose
    autocomplete names users as the pages do. Without the navigation sidebar: beside a
    change list's filters it left the partners' columns cut off at 1366 pixels (the index
    and the breadcrumbs lead everywhere it did)."""

    enable_nav_sidebar = False

    def autocomplete_view(self, request):
        return UserNamingAutocomplete.as_view(admin_site=self)(request)


class UserNamingAutocomplete(AutocompleteJsonView):
    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, get_user_model()):
            result["text"] = user_label(obj)
        return result


class NamesUsers:
    """A model admin or inline whose user fields list users by full name, as pages do."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is not get_user_model():
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        kwargs.setdefault("queryset", users_by_name())
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.label_from_instance = user_label
        return field


class ProgramAdmin(NamesUsers, SimpleHistoryAdmin):
    """A model admin with change history, whose change list treats a filter value the
    database cannot hold (?partner=92233720368547758070) like any other bad filter: back to
    the list with Django's "?e=1" message, not a server error. Users (account managers,
    owners, who recorded a row) are named as the pages name them: full name, else username."""

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (OverflowError, DataError):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # No Delete button on a record whose deletion would be refused; the delete page
        # still says why to whoever reaches it.
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.deletion_refused(obj):
            extra_context = {**(extra_context or {}), "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def deletion_refused(self, obj):
        """True when deleting `obj` would be refused: a protected row refers to it. One
        EXISTS query per protecting relation, not the collector's walk over every row."""
        for relation in obj._meta.related_objects:
            if relation.on_delete not in (models.PROTECT, models.RESTRICT):
                continue
            related = relation.related_model._base_manager.filter(**{relation.field.name: obj})
            if related.exists():
                return True
        return False

    def get_list_display(self, request):
        return [_user_column(self.model, name) for name in super().get_list_display(request)]

    def get_list_filter(self, request):
        return [_user_filter(self.model, name) for name in super().get_list_filter(request)]


class CompactInline(NamesUsers, admin.TabularInline):
    """A tabular inline whose text areas are two lines high and narrow, so that its row,
    delete box included, fits the change form at 1366 pixels. Users are named in full."""

    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 28})},
    }


class LogAdmin(admin.ModelAdmin):
    """A log the program writes (messages, imports): read in the admin, never changed.
    Every field of `fields` is read only."""

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _user_field(model, name):
    """The field `name` of `model` when it is a foreign key to a user, else None."""
    try:
        field = model._meta.get_field(name) if isinstance(name, str) else None
    except FieldDoesNotExist:
        return None
    if field is None or not field.is_relation or field.related_model is not get_user_model():
        return None
    return field


class UserListFilter(admin.RelatedFieldListFilter):
    """A change list's sidebar filter on a user, listing users by full name."""

    def field_choices(self, field, request, model_admin):
        return [(user.pk, user_label(user)) for user in users_by_name()]


def _user_filter(model, name):
    """The list filter `name`; for a foreign key to a user, one that names users in full."""
    return (name, UserListFilter) if _user_field(model, name) else name


def _user_column(model, name):
    """The list column `name`; for a foreign key to a user, one that shows its full name."""
    field = _user_field(model, name)
    if field is None:
        return name

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj):
        return user_label(getattr(obj, name))

    column.__name__ = name
    return column
