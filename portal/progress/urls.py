from django.urls import path

from portal.progress.views import (
    adjustments,
    certificates,
    editorial,
    reports,
    statistics,
    transcript,
)

app_name = "progress"

urlpatterns = [
    path("certificates/<slug:course_slug>.pdf", certificates.certificate, name="certificate"),
    path("certificates/verify/<str:code>/", certificates.verify, name="certificate-verify"),
    path("transcript/", transcript.transcript, name="transcript"),
    path("transcript.csv", transcript.transcript_csv_download, name="transcript-csv"),
    path("transcript.pdf", transcript.transcript_pdf_download, name="transcript-pdf"),
    path("transcript/<str:code>/attest/", transcript.attest, name="transcript-attest"),
    path("team/", reports.team_report, name="team-report"),
    path("team/export.csv", reports.export_csv, name="team-export"),
    path("team/learners/<id:pk>/", reports.learner_detail, name="learner-detail"),
    path(
        "team/learners/<id:pk>/quizzes/<id:quiz_pk>/adjust/",
        adjustments.adjust_quiz,
        name="adjust-quiz",
    ),
    path("team/assignments/", reports.assignments, name="assignments"),
    path("team/updated/<slug:slug>/", reports.lesson_rereads, name="lesson-rereads"),
    path("editorial/", editorial.editorial_queue, name="editorial"),
    path("statistics/", statistics.statistics_index, name="statistics"),
    path("statistics/<slug:slug>/", statistics.item_analysis, name="item-analysis"),
    path(
        "statistics/<slug:slug>/refresh/",
        statistics.refresh_item_analysis,
        name="item-analysis-refresh",
    ),
]
