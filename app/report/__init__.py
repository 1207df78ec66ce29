"""Presenting the after-action report: charts (matplotlib SVG), the HTML page and the PDF.

The report's content is engine.aar's; services.report reads it from the database. This package
only turns that data into a page.
"""
