"""OpenAPI post-processing: the error responses every operation can give, documented once.

Every operation answers errors in the product's format (`{"error": {code, message, fields}}`):
401 without valid credentials (unless it takes none), 403 outside the caller's rights, 404 for
an unknown object or township, 400 for bad input (a body, or filters in the query), 429 when
throttled. Documenting them
per view was forgotten often enough that the schema and the responses disagreed; this hook adds
the ones a view did not document itself.
"""
from __future__ import annotations

ERROR_COMPONENT = "ProductError"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
            "required": ["code", "message", "fields"],
        },
    },
    "required": ["error"],
}
DESCRIPTIONS = {
    "400": "Bad input (field errors in `error.fields`).",
    "401": "Missing, invalid or expired credentials.",
    "403": "Not allowed for this user (or the password must be changed first).",
    "404": "No such object, or not visible to this user.",
    "429": "Too many requests.",
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            anonymous = operation.get("security") == [{}] or {} in (operation.get("security") or [])
            codes = ["400", "403", "404", "429"]  # 400: bad body, or bad filters in the query
            if not anonymous:
                codes.append("401")
            for code in codes:
                operation["responses"].setdefault(code, {
                    "description": DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": reference}},
                })
    return result
