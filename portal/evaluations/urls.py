from django.urls import path

from portal.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("evaluation/<str:code>/", views.evaluate, name="evaluate"),
    path("editorial/evaluations/", views.results_index, name="results"),
    path(
        "editorial/evaluations/<slug:slug>/v<id:version>/",
        views.course_results,
        name="course-results",
    ),
    path(
        "editorial/evaluations/<slug:slug>/v<id:version>.csv",
        views.course_results_csv,
        name="course-results-csv",
    ),
]
