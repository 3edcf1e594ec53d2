from django.urls import path

from portal.progress.views import certificates, reports

app_name = "progress"

urlpatterns = [
    path("certificates/<slug:course_slug>.pdf", certificates.certificate, name="certificate"),
    path("certificates/verify/<str:code>/", certificates.verify, name="certificate-verify"),
    path("team/", reports.team_report, name="team-report"),
    path("team/export.csv", reports.export_csv, name="team-export"),
    path("team/learners/<int:pk>/", reports.learner_detail, name="learner-detail"),
]
