"""Cursor pagination of every API list, hardened against bad input."""

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


class PublicCursorPagination(CursorPagination):
    """Opaque ``?cursor=`` links (``next`` / ``previous``) over a fixed order; ``?page_size=`` from 1 to
    ``MAX_PAGE_SIZE`` (larger values give the maximum, invalid ones the default, ``DEFAULT_PAGE_SIZE``).

    A cursor that cannot be decoded, or whose position does not fit the ordering field, is a 400 with a message,
    never a 404 or a server error. Views set ``ordering`` (its first field is the cursor's position).
    """

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-id",)
    invalid_cursor_message = _("Invalid cursor: follow the next or previous link of a page.")

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "cursor_ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        if cursor is not None and cursor.position is not None:
            name = self.ordering[0].lstrip("-")
            try:
                field = self._model._meta.get_field(name)
                value = field.to_python(cursor.position)
                if getattr(field, "max_length", None) and len(str(value)) > field.max_length:
                    raise DjangoValidationError("too long")
            except (FieldDoesNotExist, DjangoValidationError, TypeError, ValueError):
                raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        return cursor
