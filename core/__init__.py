"""Shared building blocks: Markdown rendering, base models, health checks."""
