"""API plumbing shared by every app: one error format, pagination."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from common.errors import DomainError


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class SafeJSONParser(JSONParser):
    """JSON bodies, with a nesting too deep for the parser answered as a 400 like any bad JSON
    (Python's decoder raises RecursionError, which would otherwise be a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from None


def _flatten(detail):
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return [str(item) for value in detail.values() for item in _flatten(value)]
    return [str(detail)]


def exception_handler(exc, context):
    """Every API error has the same body: {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, DomainError):
        return Response({"error": exc.as_dict()}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES (this module) when it is
    # first imported, so a module-level import is circular whenever this module loads first.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    message = ""
    code = "error"
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        codes = exc.get_codes()
        if isinstance(detail, dict):
            for key, value in detail.items():
                if key in ("non_field_errors", "detail"):
                    message = _flatten(value)[0]
                else:
                    fields[key] = _flatten(value)
            code = "invalid" if fields or response.status_code == status.HTTP_400_BAD_REQUEST else code
            if not message:
                message = str(exceptions.ValidationError.default_detail) if fields else ""
        elif isinstance(detail, list):
            message = _flatten(detail)[0] if detail else ""
            code = "invalid"
        else:
            message = str(detail)
            code = codes if isinstance(codes, str) else code
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


def xlsx_schema_responses(errors: dict | None = None) -> dict:
    """OpenAPI responses of an API view answering an .xlsx workbook (plus the JSON errors)."""
    from drf_spectacular.types import OpenApiTypes

    from common.excel import XLSX_CONTENT_TYPE

    return {(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY, **(errors or {})}
