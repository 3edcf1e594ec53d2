from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.notifications import services
from portal.notifications.forms import EmailChoicesForm
from portal.notifications.models import EmailOptOut, NoticeKind, Notification


@never_cache
def notification_list(request):
    opted_out = set(EmailOptOut.objects.filter(user=request.user).values_list("kind", flat=True))
    form = EmailChoicesForm(
        request.POST or None,
        initial={"emailed": [kind for kind in NoticeKind.values if kind not in opted_out]},
    )
    if request.method == "POST" and form.is_valid():
        emailed = set(form.cleaned_data["emailed"])
        services.set_email_opt_outs(
            request.user, [kind for kind in NoticeKind.values if kind not in emailed]
        )
        messages.success(request, _("Your e-mail choices are saved."))
        return redirect("notifications:list")
    page = Paginator(Notification.objects.filter(recipient=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page, "form": form})


@require_POST
def mark_all_read(request):
    services.mark_read(request.user)
    messages.success(request, _("All notifications marked as read."))
    return redirect("home" if request.POST.get("next") == "home" else "notifications:list")
