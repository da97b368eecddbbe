"""The API's one error mapping (REST_FRAMEWORK["EXCEPTION_HANDLER"]): what the services raise,
as JSON.

- ValidationError: 400 with a list of messages per field (`non_field_errors` otherwise);
- PermissionDenied: 403; Http404: 404; a path under /api/ that names no endpoint: 404
  (UnknownPath), JSON like every other answer, never the site's HTML page;
- a query parameter the endpoint does not take, or a value it cannot read: 400 naming
  the parameter (UnknownQueryParameter, api.views.ServiceView and its pagination);
- VersionConflict (a stale `version`): 409 with the current version; a value that is
  unique and already taken (an outlet's domain): 409 too, with the message;
- PublishUnconfirmed (the publish check found items, not confirmed): 409 with the items
  as `publish_check`; nothing was changed;
- CheckNotQueued (the broker is away): 503 with Retry-After; the source stays due.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from claims.services import VersionConflict
from monitoring.services import CheckNotQueued
from publishing.services import PublishUnconfirmed

RETRY_AFTER_SECONDS = 60


class UnknownPath(exceptions.NotFound):
    def __init__(self, path: str):
        super().__init__(
            f"No API endpoint at {path}. /api/ lists them; /api/schema/ describes them."
        )


def unknown_query_parameters(names, allowed) -> exceptions.ValidationError:
    takes = ", ".join(sorted(allowed)) or "none"
    message = f"Unknown query parameter. This endpoint takes: {takes}."
    return exceptions.ValidationError({name: [message] for name in sorted(names)})


def bad_number(name: str, low: int, high: int) -> exceptions.ValidationError:
    return exceptions.ValidationError({name: [f"Send a whole number from {low} to {high:,}."]})


def _only_taken(exc: DjangoValidationError) -> bool:
    errors = _errors(exc)
    return bool(errors) and all(error.code == "unique" for error in errors)


def _errors(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return [error for errors in exc.error_dict.values() for error in errors]
    return exc.error_list


def exception_handler(exc, context):
    if isinstance(exc, VersionConflict):
        return Response(
            {"detail": str(exc), "current_version": exc.current.version},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, PublishUnconfirmed):
        return Response(
            {"detail": str(exc), "publish_check": [item.as_payload() for item in exc.items]},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, CheckNotQueued):
        return Response(
            {"detail": str(exc)},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DjangoValidationError):
        if _only_taken(exc):
            fields = exc.message_dict if hasattr(exc, "error_dict") else {}
            return Response(
                {"detail": " ".join(exc.messages), **fields}, status=status.HTTP_409_CONFLICT
            )
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
