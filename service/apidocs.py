"""``/docs``: the API reference, rendered on the server from the app's OpenAPI document (the
same document ``/openapi.json`` serves), so it is plain accessible HTML that works without
JavaScript; each GET operation without path parameters has a form to try it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cradle.service.deps import TemplatesDep

router = APIRouter(include_in_schema=False)


def _type(schema: dict[str, Any]) -> str:
    """A schema's type in a few words (``integer``, ``list of string``, ``one of: json, csv``)."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            kinds = [_type(s) for s in schema[key] if s.get("type") != "null"]
            return " or ".join(kinds) + (" (optional)" if len(kinds) < len(schema[key]) else "")
    if schema.get("type") == "array":
        return "list of " + _type(schema.get("items", {}))
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _limits(schema: dict[str, Any]) -> str:
    names = {
        "minimum": "at least",
        "maximum": "at most",
        "maxLength": "at most characters:",
        "minLength": "at least characters:",
    }
    parts = [f"{word} {schema[key]}" for key, word in names.items() if key in schema]
    if "default" in schema and schema["default"] is not None:
        parts.append(f"default {schema['default']}")
    return "; ".join(parts)


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of an OpenAPI document, flattened for the reference page."""
    out = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = []
            for p in op.get("parameters", []):
                schema = p.get("schema", {})
                params.append(
                    {
                        "name": p["name"],
                        "in": p.get("in", "query"),
                        "required": p.get("required", False),
                        "type": _type(schema),
                        "limits": _limits(schema),
                        "description": p.get("description") or schema.get("description") or "",
                        "enum": schema.get("enum"),
                        "default": schema.get("default"),
                    }
                )
            body = list(op.get("requestBody", {}).get("content", {}))
            responses = [
                {
                    "status": code,
                    "description": r.get("description", ""),
                    "media": list(r.get("content", {})),
                }
                for code, r in op.get("responses", {}).items()
            ]
            slug = (method + path).replace("/", "-").replace("{", "").replace("}", "").strip("-")
            out.append(
                {
                    "id": slug,
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "params": params,
                    "body": body,
                    "responses": responses,
                    "try": method == "get" and not any(p["in"] == "path" for p in params),
                }
            )
    return out


@router.get("/docs", response_class=HTMLResponse)
def api_reference(request: Request, templates: TemplatesDep) -> Response:
    """The API reference page."""
    spec = request.app.openapi()
    context = {"nav": "docs", "info": spec.get("info", {}), "ops": operations(spec)}
    return templates.TemplateResponse(request, "docs.html", context)
