from django.utils import timezone
from django.utils.formats import date_format


def short_datetime(moment):
    """A moment as staff read it in messages and version lists: local time, in the active
    language's SHORT_DATETIME_FORMAT."""
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
