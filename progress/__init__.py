"""Per-student topic progress, paper reading list, progress events and the student dashboard."""
