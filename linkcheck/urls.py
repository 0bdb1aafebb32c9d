"""URLs of the linkcheck app (included at ``/links/``)."""

from django.urls import path

from linkcheck import views

app_name = "linkcheck"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("health/check-all/", views.check_all, name="check_all"),
    path("<int:pk>/recheck/", views.recheck, name="recheck"),
    path("<int:pk>/accept-redirect/", views.accept_redirect, name="accept_redirect"),
    path("reports/<int:pk>/close/", views.report_close, name="report_close"),
    path("report/", views.report, name="report"),
]
