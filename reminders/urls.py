"""URLs of the reminders app (mounted at ``/reminders/``)."""

from django.urls import path

from reminders import views

app_name = "reminders"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/one-click/", views.unsubscribe_one_click, name="unsubscribe_one_click"),
    path("preview/", views.preview, name="preview"),
    path("preview/mail.html", views.preview_html, name="preview_html"),
]
