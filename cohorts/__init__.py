"""Cohorts, enrollments, pace plans and mentor dashboards."""
