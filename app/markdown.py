"""Markdown from people (inject bodies, notes, the report's narrative) as safe HTML.

The text is untrusted: raw HTML is escaped, never rendered, and images are off (a report or a
tablet must not load anything from elsewhere). One renderer for every page, the report and
the API, below all of them.
"""
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def render_markdown(text: str | None) -> str:
    """The HTML of a Markdown text (raw HTML escaped)."""
    return _markdown.render(text or "")
