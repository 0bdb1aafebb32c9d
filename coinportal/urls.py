"""Root URL configuration. Each app owns its URLs under its namespace."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("core.urls")),
    path("me/", include("accounts.urls")),
    path("curriculum/", include("curriculum.urls")),
    path("progress/", include("progress.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("cohorts/", include("cohorts.urls")),
    path("reminders/", include("reminders.urls")),
    path("links/", include("linkcheck.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = "COIN Portal"
admin.site.site_title = "COIN Portal"
