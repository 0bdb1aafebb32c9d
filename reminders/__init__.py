"""Inactivity nudges, behind-schedule notices and mentor digests by email."""
