"""URLs of the cohorts app (mentor dashboards)."""

from django.urls import path

from cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("", views.mentor_home, name="mentor_home"),
    path("<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("<int:pk>/chart.svg", views.cohort_chart, name="cohort_chart"),
    path("<int:pk>/export.csv", views.cohort_csv, name="cohort_csv"),
    path("<int:pk>/enroll/", views.cohort_enroll, name="cohort_enroll"),
    path("<int:pk>/students/<int:user_pk>/", views.student_detail, name="student_detail"),
]
