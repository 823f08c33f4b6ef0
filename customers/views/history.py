from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from connect.lib.tenancy import scoped
from connect.lib.views import PortalMixin
from customers.models import AuditEntry

from django.views import View


class HistoryView(PortalMixin, View):
    """"Historik": the audit entries of one object of the organisation."""

    def get(self, request, content_type_id, object_id):
        content_type = get_object_or_404(ContentType, pk=content_type_id)
        entries = scoped(AuditEntry, self.organisation).filter(content_type=content_type, object_id=object_id)
        page = Paginator(entries.select_related("actor"), 50).get_page(request.GET.get("page"))
        if not page.object_list:
            raise Http404
        return render(request, "customers/history.html", {"page_obj": page, "object_repr": page.object_list[0].object_repr})


history = HistoryView.as_view()
