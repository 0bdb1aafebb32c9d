"""URLs of the cohorts app."""

app_name = "cohorts"

urlpatterns = []
