from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("quizzes/", views.quiz_list, name="quiz-list"),
    path("quizzes/<slug:slug>/", views.quiz_detail, name="quiz"),
    path("quizzes/<slug:slug>/start/", views.start, name="quiz-start"),
    path("attempts/<id:pk>/", views.attempt_page, name="attempt"),
    path("attempts/<id:pk>/answers/", views.save_answers, name="attempt-answers"),
    path(
        "attempts/<id:pk>/questions/<id:question_pk>/answer/",
        views.save_answer,
        name="attempt-answer",
    ),
    path("attempts/<id:pk>/submit/", views.submit, name="attempt-submit"),
    path("attempts/<id:pk>/result/", views.result, name="attempt-result"),
    path(
        "attempts/<id:pk>/questions/<id:question_pk>/report/",
        views.report_question,
        name="attempt-question-report",
    ),
]
