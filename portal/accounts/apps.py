from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts and teams")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import m2m_changed, post_save

        from portal.accounts.context_processors import forget_menu
        from portal.accounts.middleware import start_idle_clock

        user_logged_in.connect(start_idle_clock, dispatch_uid="accounts.start_idle_clock")
        user = get_user_model()
        user_logged_in.connect(forget_menu, dispatch_uid="accounts.menu.sign_in")
        post_save.connect(forget_menu, sender=user, dispatch_uid="accounts.menu.user")
        for relation in (user.groups.through, user.user_permissions.through):
            m2m_changed.connect(forget_menu, sender=relation, dispatch_uid=f"menu.{relation}")
