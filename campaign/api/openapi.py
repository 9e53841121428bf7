"""The API's own description, OpenAPI 3.1 at /api/openapi.json, and CORS for reading it from any
site: `Access-Control-Allow-Origin: *` on GET, HEAD and OPTIONS under /api/, never with
credentials (the API has no cookies or logins to share)."""
from __future__ import annotations

from flask import Response, current_app, jsonify, request

from ..letters.letterfile import SLUG
from ..letters.models import LetterKind, LetterStatus, SignatoryKind
from ..signatures.models import Verification
from .routes import MAX_PAGE, MAX_PER_PAGE, blueprint

READ_METHODS = ("GET", "HEAD", "OPTIONS")
# routes._positive_int takes at most nine digits, and cuts what is above the maximum.
LARGEST_NUMBER_TAKEN = 999_999_999
CORS_MAX_AGE_SECONDS = 24 * 3600


def _nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


STRING = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}
ERROR = {"description": "An error, said in English", "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/Error"}}}}

NOT_MODIFIED = {"description": "Not modified: the ETag sent in If-None-Match is still current"}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": STRING}},
    "Counts": {
        "type": "object", "required": ["total", *SignatoryKind.ALL],
        "description": "Confirmed signatures the letter's moderation lets through, named or "
                       "not, by kind.",
        "properties": {"total": COUNT, **{kind: COUNT for kind in SignatoryKind.ALL}}},
    "VerificationCounts": {
        "type": "object", "required": list(Verification.ALL),
        "description": "The same signatures by verification level.",
        "properties": {level: COUNT for level in Verification.ALL}},
    "Delivery": {
        "type": "object",
        "description": "A delivery of the signed letter to its addressee (when the letter has "
                       "been delivered).",
        "required": ["id", "delivered_at", "recipient", "sha256", "verify_url"],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z2-7]{12}$",
                   "description": "The public id printed on the PDF's last page."},
            "delivered_at": {"type": "string", "format": "date-time"},
            "recipient": {"type": "string", "format": "email",
                          "description": "The addressee's address the PDF was sent to."},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                       "description": "SHA-256 of the delivered PDF file."},
            "verify_url": {"type": "string", "format": "uri",
                           "description": "The verify page printed on the PDF."},
        }},
    "Letter": {
        "type": "object", "required": ["slug", "title", "kind", "status", "counts",
                                       "verification"],
        "properties": {
            "slug": {"type": "string", "pattern": SLUG.pattern},
            "title": STRING,
            "kind": {"type": "string", "enum": list(LetterKind.ALL)},
            "status": {"type": "string", "enum": list(LetterStatus.PUBLIC)},
            "counts": {"$ref": "#/components/schemas/Counts"},
            "verification": {"$ref": "#/components/schemas/VerificationCounts"},
            "initiator": {"type": ["string", "null"], "description": "Who is behind the letter."},
            "contact_url": {"type": ["string", "null"],
                            "description": "Where to reach them: an http(s) or mailto: URL."},
            "sign_until": {"type": ["string", "null"], "format": "date",
                           "description": "The last day to sign (Europe/Amsterdam), if any."},
            "accepts_signatures": {"type": "boolean",
                                   "description": "Open and its last day not yet past."},
            "sectors": {"type": "array", "items": STRING,
                        "description": "The sectors an organisation signs under, in the "
                                       "letter's order; empty when the letter has none."},
            "sector_counts": {"type": "object", "additionalProperties": COUNT,
                              "description": "Per sector, the organisations counted (as in "
                                             "`counts`) that signed under it; empty when the "
                                             "letter has no sectors."},
            "deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}},
        }},
    "Signature": {
        "type": "object",
        "description": "A signature shown by name: counted, and its signer allowed showing it. "
                       "Never an e-mail address.",
        "required": ["name", "kind", "role", "municipality", "organisation", "lead",
                     "verification", "verified_domain", "sector", "verified", "signed_at"],
        "properties": {
            "name": _nullable(STRING),
            "kind": {"type": "string", "enum": list(SignatoryKind.ALL)},
            "role": _nullable(STRING),
            "municipality": _nullable(STRING),
            "organisation": _nullable(STRING),
            "lead": {"type": "boolean"},
            "verification": {"type": ["string", "null"], "enum": [*Verification.ALL, None]},
            "verified_domain": _nullable(STRING),
            "sector": {"type": ["string", "null"],
                       "description": "An organisation's sector, on a letter with sectors."},
            "verified": {"type": "boolean",
                         "description": "Kept for the first API's clients: any level but "
                                        "`mailbox`."},
            "signed_at": {"type": ["string", "null"], "format": "date-time"},
        }},
    "SignaturePage": {
        "type": "object", "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Signature"}},
            "next": {"type": ["string", "null"], "format": "uri",
                     "description": "The next page's URL (by cursor), or null on the last "
                                    "page."},
        }},
    "Municipality": {
        "type": "object", "required": ["code", "name", "province", "domains"],
        "properties": {
            "code": {"type": "string", "description": "CBS code, e.g. GM0796"},
            "name": STRING,
            "province": {"type": ["string", "null"], "description": "CBS code, e.g. PV30"},
            "domains": {"type": "array", "items": STRING},
        }},
    "MunicipalityList": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/Municipality"}}}},
}

SLUG_PARAMETER = {"name": "slug", "in": "path", "required": True,
                  "description": "The letter's address, as in /letters/<slug>",
                  "schema": {"type": "string"}}


def _answer(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _paging(name: str, default_text: str, maximum: int) -> dict:
    return {"name": name, "in": "query", "required": False,
            "description": f"From 1; above {maximum:,} it is cut to {maximum:,}. {default_text}",
            "schema": {"type": "integer", "minimum": 1, "maximum": LARGEST_NUMBER_TAKEN}}


def openapi_document() -> dict:
    """The document, with the server at BASE_URL and the limits the code enforces."""
    per_page = current_app.config["SIGNATURES_PER_PAGE"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Open letters API",
            "version": "1",
            "description": "Public, read-only data of published open letters and manifestos: "
                           "their counts and the signatories shown by name. No answer contains "
                           "an e-mail address. CORS is open for GET, HEAD and OPTIONS.",
        },
        "servers": [{"url": current_app.config["BASE_URL"]}],
        "paths": {
            "/api/letters/{slug}": {"get": {
                "operationId": "getLetter",
                "summary": "A letter's counts by kind and by verification level",
                "parameters": [SLUG_PARAMETER],
                "responses": {"200": _answer("The letter", "Letter"),
                              "304": NOT_MODIFIED,
                              "404": {**ERROR, "description": "No published letter there"}}}},
            "/api/letters/{slug}/signatures": {"get": {
                "operationId": "listSignatures",
                "summary": "The signatures shown by name, in the order they were confirmed",
                "parameters": [
                    SLUG_PARAMETER,
                    _paging("page", "Default 1.", MAX_PAGE),
                    _paging("per_page", f"Default {per_page}.", MAX_PER_PAGE),
                    {"name": "after", "in": "query", "required": False,
                     "description": "An opaque cursor: take it from `next`, do not build it.",
                     "schema": {"type": "string"}}],
                "responses": {"200": _answer("One page of signatures", "SignaturePage"),
                              "304": NOT_MODIFIED,
                              "400": {**ERROR, "description": "Bad paging or cursor"},
                              "404": {**ERROR, "description": "No published letter there"}}}},
            "/api/municipalities": {"get": {
                "operationId": "listMunicipalities",
                "summary": "Every current Dutch municipality of the directory, in Dutch order",
                "responses": {"200": _answer("The municipalities", "MunicipalityList")}}},
            "/api/openapi.json": {"get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": SCHEMAS},
    }


@blueprint.get("/openapi.json")
def openapi():
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blueprint.after_app_request
def allow_reading_from_anywhere(response: Response) -> Response:
    if request.path.startswith("/api/") and request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
        response.headers["Access-Control-Allow-Headers"] = "Accept, If-None-Match"
        response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE_SECONDS)
        response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
    return response
