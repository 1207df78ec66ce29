"""marshmallow schemas: content files (content.py) and API payloads (api.py)."""
