from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.accounts.forms import UserImportForm
from portal.accounts.models import Team, User
from portal.accounts.user_import import UserImportError, import_users


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "member_count")
    search_fields = ("name",)
    filter_horizontal = ("supervisors",)

    @admin.display(description=_("members"))
    def member_count(self, team):
        return team.members.count()


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "email",
        "profession",
        "team",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("profession", "team", "groups", "is_staff", "is_active")
    list_select_related = ("team",)
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "password",
                    "must_change_password",
                    "directory_dn",
                    "oidc_subject",
                )
            },
        ),
        (
            _("Person"),
            {"fields": ("display_name", "first_name", "last_name", "email", "credentials")},
        ),
        (_("Training"), {"fields": ("profession", "team")}),
        (
            _("Roles and permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "email",
                    "profession",
                    "team",
                    "groups",
                    "usable_password",
                    "password1",
                    "password2",
                    "must_change_password",
                ),
            },
        ),
    )
    # Written by directory and provider sign-in only; shown so IT can see which accounts
    # follow which.
    readonly_fields = ("directory_dn", "oidc_subject")
    change_list_template = "admin/accounts/user/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="accounts_user_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UserImportForm(request.POST or None, request.FILES or None)
        result = None
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                result = import_users(
                    form.cleaned_data["csv_file"],
                    temporary_passwords=form.cleaned_data["temporary_passwords"],
                    send_welcome=form.cleaned_data["send_welcome"],
                    request=request,
                )
            except UserImportError as error:
                errors = error.errors
                messages.error(request, _("Nothing was imported. Fix the lines below."))
            else:
                messages.success(
                    request,
                    _("Imported %(count)d accounts.") % {"count": len(result.accounts)},
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import accounts from CSV"),
            "form": form,
            "errors": errors,
            "result": result,
        }
        return TemplateResponse(request, "admin/accounts/user/import.html", context)
