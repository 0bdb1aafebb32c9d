"""URLs of the linkcheck app."""

app_name = "linkcheck"

urlpatterns = []
