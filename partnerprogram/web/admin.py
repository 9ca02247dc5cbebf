"""What every model admin of the program shares."""

from django.contrib.admin.views.main import ERROR_FLAG
from django.db import DataError
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin


class ProgramAdmin(SimpleHistoryAdmin):
    """A model admin with change history, whose change list treats a filter value the
    database cannot hold (?partner=92233720368547758070) like any other bad filter: back to
    the list with Django's "?e=1" message, not a server error."""

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (OverflowError, DataError):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
