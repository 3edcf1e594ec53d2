from django.contrib import admin

from portal.ops.models import QueuedMail


@admin.register(QueuedMail)
class QueuedMailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "subject", "attempts", "last_error", "sent_at")
    list_filter = ("sent_at",)
    search_fields = ("subject", "to")
    readonly_fields = (
        "subject",
        "body",
        "from_email",
        "to",
        "created_at",
        "attempts",
        "last_error",
        "sent_at",
    )

    def has_add_permission(self, request):
        return False
