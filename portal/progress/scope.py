"""Who may see whose progress. Every report path goes through `report_scope`."""

from django.core.exceptions import PermissionDenied

from portal.accounts.models import Team, User
from portal.accounts.roles import can_see_team_reports, sees_all_progress


def report_scope(user):
    """(teams, learners) this user may report on; 403 for anyone without the right.

    Scoping follows each learner's current team, so a learner who moves team leaves the old
    supervisor's reports at once."""
    if sees_all_progress(user):
        return Team.objects.all(), User.objects.filter(is_active=True)
    if not can_see_team_reports(user):
        raise PermissionDenied
    teams = Team.objects.filter(supervisors=user)
    return teams, User.objects.filter(is_active=True, team__in=teams)
