from django import template

from portal.notifications.models import Notification

register = template.Library()

SHOWN = 5


@register.inclusion_tag("notifications/_unread.html")
def unread_notices(user):
    """The latest unread notices of `user`, for the dashboard (one query)."""
    latest = list(Notification.objects.unread().filter(recipient=user)[: SHOWN + 1])
    return {"notices": latest[:SHOWN], "more": len(latest) > SHOWN}
