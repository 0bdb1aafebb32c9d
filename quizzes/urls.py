"""URLs of the quizzes app (mounted at ``/quizzes/``)."""

from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("", views.quiz_list, name="quiz_list"),
    path("<int:pk>/", views.quiz_detail, name="quiz_detail"),
    path("<int:pk>/start/", views.quiz_start, name="quiz_start"),
    path("attempts/", views.attempt_list, name="attempt_list"),
    path("attempts/<int:pk>/", views.attempt_detail, name="attempt_detail"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
]
