"""Who may see whose progress. Every report path goes through `report_scope`."""

from django.http import Http404

from portal.accounts.models import Team, User


def sees_everyone(user):
    # Editors and reviewers look after the content for the whole hospital.
    return user.is_superuser or user.has_perm("education.change_lesson")


def report_scope(user):
    """(teams, learners) this user may report on; a 404 for anyone who supervises nobody.

    Scoping follows each learner's current team, so a learner who moves team leaves the old
    supervisor's reports at once."""
    if sees_everyone(user):
        return Team.objects.all(), User.objects.filter(is_active=True)
    if not user.has_perm("accounts.view_team_progress"):
        raise Http404
    teams = Team.objects.filter(supervisors=user)
    return teams, User.objects.filter(is_active=True, team__in=teams)
