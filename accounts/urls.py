"""URLs of the accounts app, below ``/me/``."""

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("language/", views.language_set, name="language_set"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
