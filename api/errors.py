"""The API's one error mapping (REST_FRAMEWORK["EXCEPTION_HANDLER"]): what the services raise,
as JSON.

- ValidationError: 400 with a list of messages per field (`non_field_errors` otherwise);
- PermissionDenied: 403; Http404: 404;
- VersionConflict (a stale `version`): 409 with the current version;
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
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
