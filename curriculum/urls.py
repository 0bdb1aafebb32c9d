"""URLs of the curriculum: the roadmap, section pages and the guide's local files."""

from django.urls import path

from curriculum import views

app_name = "curriculum"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("sections/<str:slug>/", views.section_detail, name="section_detail"),
    # Relative links in a section body (``figure/poe1.png``, ``LLM.pdf``) resolve below the section page.
    path("sections/<str:slug>/<path:path>", views.local_file, name="local_file"),
]
