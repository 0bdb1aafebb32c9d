"""URLs of the progress app."""

app_name = "progress"

urlpatterns = []
