"""URLs of the reminders app."""

app_name = "reminders"

urlpatterns = []
