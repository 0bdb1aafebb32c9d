"""URLs of the progress app: the dashboard, status/note/reading-list endpoints and exports.

No URL carries a user id: every endpoint acts on the signed-in student's own rows.
"""

from django.urls import path

from progress import views

app_name = "progress"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("topics/<int:section_id>/status/", views.topic_status, name="topic_status"),
    path("topics/<int:section_id>/note/", views.topic_note, name="topic_note"),
    path("papers/<int:paper_id>/reading/", views.paper_reading, name="paper_reading"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.json", views.export_json, name="export_json"),
]
