from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("quizzes/", views.quiz_list, name="quiz-list"),
    path("quizzes/<slug:slug>/", views.quiz_detail, name="quiz"),
    path("quizzes/<slug:slug>/start/", views.start, name="quiz-start"),
    path("attempts/<int:pk>/", views.attempt_page, name="attempt"),
    path("attempts/<int:pk>/answers/", views.save_answers, name="attempt-answers"),
    path(
        "attempts/<int:pk>/questions/<int:question_pk>/answer/",
        views.save_answer,
        name="attempt-answer",
    ),
    path("attempts/<int:pk>/submit/", views.submit, name="attempt-submit"),
    path("attempts/<int:pk>/result/", views.result, name="attempt-result"),
    path(
        "attempts/<int:pk>/questions/<int:question_pk>/report/",
        views.report_question,
        name="attempt-question-report",
    ),
]
