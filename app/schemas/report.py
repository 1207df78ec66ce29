"""Payloads of the after-action report."""
from marshmallow import fields, validate

from ..vocabulary import MAX_NARRATIVE
from .api import StrictSchema


class NarrativeIn(StrictSchema):
    # Markdown (raw HTML is not rendered); an empty text clears the section.
    text = fields.String(required=True, validate=validate.Length(max=MAX_NARRATIVE))
