"""Jinja and Markdown: turn a planned page into HTML."""
