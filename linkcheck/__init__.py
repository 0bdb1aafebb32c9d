"""Scheduled verification of resource and paper links."""
