"""Models of the linkcheck app."""
