"""The HTTP JSON API as an OpenAPI 3.1 document, served at GET /api/openapi.json.

A static description of docs/protocol.md "HTTP API": tests/test_openapi.py fuzzes the app
against it with schemathesis, so the two cannot drift apart silently. Objects allow fields
beyond the ones listed: later versions only ever add fields.
"""

from __future__ import annotations

from flask import Flask, jsonify

from ..config import VERSION as __version__

CLIENT_ID = "^[A-Za-z0-9_-]{8,64}$"


def _error(description: str, codes: list[str], *, retry: bool = False) -> dict:
    schema = {"$ref": "#/components/schemas/RateLimited" if retry else "#/components/schemas/Error"}
    response: dict = {
        "description": f"{description} `code`: {', '.join(codes)}.",
        "content": {"application/json": {"schema": schema}},
    }
    if retry:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before sending again.",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return response


_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "The station's token (from its QR code URL `/s/<token>`).",
    "schema": {"type": "string"},
}
_NOTE_ERRORS = ["invalid_payload", "invalid_text", "empty_note", "invalid_author",
                "invalid_client_id", "bad_request"]  # fmt: skip

DOCUMENT: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "Gallery Walk HTTP API",
        "version": "1",
        "description": (
            "Phones post notes to a station and read it back. The full contract, including "
            "Socket.IO, is docs/protocol.md. Every error is "
            '`{"ok": false, "error": {"code", "message"}}`; `code` is stable.'
        ),
        "x-server-version": __version__,
    },
    "paths": {
        "/api/v1/stations/{token}": {
            "get": {
                "operationId": "getStation",
                "summary": "A station and a page of its visible notes, newest first.",
                "parameters": [
                    _TOKEN,
                    {
                        "name": "before",
                        "in": "query",
                        "required": False,
                        "description": "The page of notes older than this note id (the "
                        "previous page's `more`).",
                        "schema": {"type": "integer", "minimum": 1},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The station's state: at most 100 notes and about "
                        "32 KiB; `more` is the cursor to the older ones (null: no more).",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/StationState"}
                            }
                        },
                    },
                    "400": _error("`before` is not a note id.", ["invalid_payload"]),
                    "404": _error("Unknown station.", ["station_not_found", "not_found"]),
                },
            }
        },
        "/api/v1/stations/{token}/notes": {
            "post": {
                "operationId": "postNote",
                "summary": "Store a note once per client_id; answered after the commit.",
                "parameters": [_TOKEN],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/NoteIn"}}
                    },
                },
                "responses": {
                    "201": {
                        "description": "Stored now.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NotePosted"}
                            }
                        },
                    },
                    "200": {
                        "description": (
                            "This client_id was stored before: the stored note, unchanged."
                        ),
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NotePosted"}
                            }
                        },
                    },
                    "400": _error("The payload is not a valid note.", _NOTE_ERRORS),
                    "404": _error("Unknown station.", ["station_not_found", "not_found"]),
                    "409": _error(
                        "The station takes no new notes now.",
                        ["notes_closed", "station_locked", "station_full"],
                    ),
                    "413": _error(
                        "The body is larger than GALLERY_MAX_MESSAGE_BYTES.", ["payload_too_large"]
                    ),
                    "422": _error("Too long.", ["note_too_long", "author_too_long"]),
                    "429": _error(
                        "Too many notes from this participant or this address.",
                        ["rate_limited"],
                        retry=True,
                    ),
                },
            }
        },
    },
    "components": {
        "schemas": {
            "NoteIn": {
                "type": "object",
                "required": ["text", "client_id"],
                "properties": {
                    "text": {"type": "string", "minLength": 1, "maxLength": 500},
                    "client_id": {"type": "string", "pattern": CLIENT_ID},
                    "author": {"type": ["string", "null"], "maxLength": 60},
                },
            },
            "Note": {
                "type": "object",
                "required": ["id", "station", "text", "author", "client_id", "created_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "station": {"type": "string"},
                    "text": {"type": "string"},
                    "author": {"type": ["string", "null"]},
                    "client_id": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                },
            },
            "Station": {
                "type": "object",
                "required": ["token", "workshop", "number", "code", "title", "prompt", "position"],
                "properties": {
                    "token": {"type": "string"},
                    "workshop": {"type": "string"},
                    "number": {"type": "integer"},
                    "code": {"type": "string"},
                    "title": {"type": "string"},
                    "prompt": {"type": "string"},
                    "position": {"type": "integer"},
                    "note_count": {"type": "integer", "minimum": 0},
                },
            },
            "StationState": {
                "type": "object",
                "required": ["ok", "station", "notes"],
                "properties": {
                    "ok": {"const": True},
                    "station": {"$ref": "#/components/schemas/Station"},
                    "notes": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                    "more": {"type": ["integer", "null"]},
                },
            },
            "NotePosted": {
                "type": "object",
                "required": ["ok", "note"],
                "properties": {
                    "ok": {"const": True},
                    "note": {"$ref": "#/components/schemas/Note"},
                },
            },
            "Error": {
                "type": "object",
                "required": ["ok", "error"],
                "properties": {
                    "ok": {"const": False},
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string", "pattern": "^[a-z_]+$"},
                            "message": {"type": "string", "minLength": 1},
                        },
                    },
                },
            },
            "RateLimited": {
                "allOf": [
                    {"$ref": "#/components/schemas/Error"},
                    {
                        "properties": {
                            "error": {
                                "required": ["retry_after"],
                                "properties": {
                                    "code": {"const": "rate_limited"},
                                    "retry_after": {"type": "integer", "minimum": 1},
                                },
                            }
                        }
                    },
                ]
            },
        }
    },
}


def register(app: Flask) -> None:
    @app.get("/api/openapi.json", endpoint="openapi")
    def openapi_document():
        return jsonify(DOCUMENT)
