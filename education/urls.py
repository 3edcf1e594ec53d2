from django.urls import path

from education import views

app_name = "education"

urlpatterns = [
    path("lessons/", views.lesson_index, name="lesson-index"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson"),
    path("lessons/<slug:slug>/opened/", views.lesson_opened, name="lesson-opened"),
    path("lessons/<slug:slug>/completion/", views.lesson_completion, name="lesson-completion"),
    path("lessons/<slug:slug>/report/", views.report_problem, name="lesson-report"),
    path("courses/<slug:slug>/", views.course_detail, name="course"),
]
