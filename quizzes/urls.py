"""URLs of the quizzes app."""

app_name = "quizzes"

urlpatterns = []
