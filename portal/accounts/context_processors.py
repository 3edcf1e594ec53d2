from django.core.cache import cache

from portal.accounts.roles import can_see_team_reports, is_editor

MENU_CACHE_SECONDS = 300


def menu_key(user_pk):
    return f"accounts:menu:{user_pk}"


def staff_menu(request):
    """Which staff links the menu shows. Asking Django's `perms` costs two queries on every
    page; the menu needs two yes/no answers, kept a few minutes per person (and forgotten at
    once when their roles change on this server). Every staff page checks the real
    permissions itself, so a stale menu can only show a link that answers 403, or hide one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    menu = cache.get(menu_key(user.pk))
    if menu is None:
        menu = {"team": can_see_team_reports(user), "editorial": is_editor(user)}
        cache.set(menu_key(user.pk), menu, MENU_CACHE_SECONDS)
    return {"staff_menu": menu}


def forget_menu(sender, instance=None, user=None, pk_set=None, reverse=False, **kwargs):
    """Receiver for sign-in, user saves and role changes: the menu is worked out again."""
    if reverse and pk_set:  # group.user_set.add(...): the users are in pk_set
        cache.delete_many([menu_key(pk) for pk in pk_set])
    else:
        person = user or instance
        if getattr(person, "pk", None):
            cache.delete(menu_key(person.pk))
