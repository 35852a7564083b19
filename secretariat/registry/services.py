"""The registry import's steps: upload, dry run, import. Each step is one service; the dry run and the import run
in the Celery worker (``secretariat.tasks``), or in-process where there is no broker.

The rule (issue "import the existing registry"): the dry run writes nothing but its report; the import runs only
after a dry run that refused no row, re-checks the file, and writes everything in one transaction or nothing.
"""

import logging
import time

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from p2c.exceptions import ApplicationError
from p2c.outbox import enqueue_on_commit

from ..models import RegistryImport
from .files import FileRefused, human_size, max_bytes, read_table
from .layout import REQUIRED_COLUMNS
from .planning import Plan, Planner
from .writer import write_plan

logger = logging.getLogger("p2c.secretariat")
R = RegistryImport.Status


def _read_upload(uploaded) -> bytes:
    """The bytes of an uploaded file, refusing a file over the size limit before reading it all."""
    limit = max_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise FileRefused(
            _("The file is %(size)s; at most %(limit)s can be imported. Split it into several files.")
            % {"size": human_size(uploaded.size), "limit": human_size(limit)}
        )
    uploaded.seek(0)
    return uploaded.read(limit + 1)


@transaction.atomic
def registry_import_upload(*, uploaded, by, partners_uploaded=None, queue: bool = True) -> RegistryImport:
    """Store an uploaded registry file (and optional partner organisations file) and queue its dry run.

    Args:
        uploaded: the registry spreadsheet (a Django ``UploadedFile``), CSV or XLSX.
        by: the staff member uploading it.
        partners_uploaded: optional CSV or XLSX with the columns of ``layout.PARTNER_COLUMNS``.
        queue: queue the dry run for the worker (False: the caller runs ``registry_import_check`` itself).
    Raises:
        FileRefused: the file is too large, not CSV or XLSX, holds formulas or is not UTF-8 (checked at once, so
            the person sees the reason by the field).
    """
    data = _read_upload(uploaded)
    table = read_table(data, required=REQUIRED_COLUMNS)
    try:
        partners_data = _read_upload(partners_uploaded) if partners_uploaded else None
        if partners_data is not None:
            read_table(partners_data, required=("name", "entity_type"))
    except FileRefused as refused:
        refused.partners = True  # the form shows the reason by the partner organisations file
        raise
    name = (getattr(uploaded, "name", "") or "registry").rsplit("/", 1)[-1][:200]
    record = RegistryImport(
        original_name=name, file_format=table.file_format, size=len(data), uploaded_by=by, status=R.CHECKING
    )
    record.file.save(f"registry.{table.file_format}", ContentFile(data), save=False)
    if partners_data is not None:
        record.partners_file.save("partners", ContentFile(partners_data), save=False)
    record.save()
    if queue:
        from ..tasks import check_registry_import

        enqueue_on_commit(check_registry_import, record.pk)
    return record


def _plan(record: RegistryImport) -> Plan:
    with record.file.open("rb") as f:
        table = read_table(f.read(), required=REQUIRED_COLUMNS)
    partners = None
    if record.partners_file:
        with record.partners_file.open("rb") as f:
            partners = read_table(f.read(), required=("name", "entity_type"))
    return Planner().plan(table, partners=partners)


def _store_report(record: RegistryImport, plan: Plan) -> None:
    record.report = [row.as_report() for row in plan.rows]
    record.notes = plan.notes
    record.row_count = len(plan.rows)
    record.create_count = plan.count("create")
    record.update_count = plan.count("update")
    record.refused_count = plan.refused
    record.organisations_created = len(plan.new_entities)


def registry_import_check(*, registry_import: RegistryImport) -> RegistryImport:
    """The dry run: check every row and store the report; nothing else is written.

    Idempotent by state: an import that is not waiting for its dry run is left as it is.
    """
    record = RegistryImport.objects.get(pk=registry_import.pk)
    if record.status != R.CHECKING:
        return record
    try:
        plan = _plan(record)
    except FileRefused as refused:
        record.status, record.error = R.INVALID, refused.message
    else:
        _store_report(record, plan)
        record.status = R.REFUSED if plan.refused or not plan.rows else R.CHECKED
        if not plan.rows:
            record.error = _("The file has no data rows.")
    record.checked_at = timezone.now()
    record.save()
    return record


@transaction.atomic
def registry_import_start(*, registry_import: RegistryImport, by, queue: bool = True) -> RegistryImport:
    """Queue the import of a file whose dry run refused no row.

    Raises:
        ApplicationError: the dry run is not done, refused rows, or the file was imported already.
    """
    record = RegistryImport.objects.select_for_update().get(pk=registry_import.pk)
    if not record.can_import:
        raise ApplicationError(
            _("Only a file whose dry run refused no row can be imported (this one: %(status)s).")
            % {"status": record.get_status_display()}
        )
    record.status, record.imported_by = R.IMPORTING, by
    record.save(update_fields=["status", "imported_by"])
    if queue:
        from ..tasks import run_registry_import

        enqueue_on_commit(run_registry_import, record.pk)
    return record


def registry_import_run(*, registry_import: RegistryImport) -> RegistryImport:
    """The import: check the file again and write every row in one transaction; if a row is refused now (the
    platform changed since the dry run) or anything fails, nothing is written and the report says why.

    Idempotent by state: only an import in the "importing" state runs.
    """
    record = RegistryImport.objects.get(pk=registry_import.pk)
    if record.status != R.IMPORTING:
        return record
    started = time.monotonic()
    try:
        with transaction.atomic():
            locked = RegistryImport.objects.select_for_update().get(pk=record.pk)
            if locked.status != R.IMPORTING:
                return locked
            plan = _plan(locked)
            _store_report(locked, plan)
            if plan.refused:
                raise ApplicationError(
                    _(
                        "%(n)d row(s) are refused now (the platform changed since the dry run); nothing was imported."
                    )
                    % {"n": plan.refused}
                )
            result = write_plan(plan, by=locked.imported_by, registry_import=locked)
            locked.report = [row.as_report() for row in plan.rows]
            locked.status, locked.imported_at, locked.error = R.IMPORTED, timezone.now(), ""
            locked.organisations_created = result["organisations"]
            locked.duration_seconds = round(time.monotonic() - started, 2)
            locked.save()
            return locked
    except (ApplicationError, FileRefused) as error:
        message = error.message
    except Exception as error:  # the transaction is rolled back: nothing of the file is on the platform
        logger.exception("registry import %s failed", record.pk)
        message = _("The import failed and nothing was written: %(error)s") % {
            "error": f"{type(error).__name__}: {error}"
        }
    RegistryImport.objects.filter(pk=record.pk).update(status=R.FAILED, error=message[:5000])
    record.refresh_from_db()
    return record


def registry_import_file(
    *, data: bytes, by, name: str = "registry.csv", partners: bytes | None = None
) -> RegistryImport:
    """Dry run and import of ``data`` in this process (the benchmark and the command line use it).

    Raises:
        FileRefused: the file cannot be read.
        ApplicationError: the dry run refused rows (the report is on the returned record's ``report``).
    """
    from django.core.files.uploadedfile import SimpleUploadedFile

    with transaction.atomic():
        record = registry_import_upload(
            uploaded=SimpleUploadedFile(name, data),
            by=by,
            partners_uploaded=SimpleUploadedFile("partners.csv", partners) if partners else None,
            queue=False,
        )
    record = registry_import_check(registry_import=record)
    if record.status != R.CHECKED:
        raise ApplicationError(
            record.error or _("The dry run refused %(n)d row(s).") % {"n": record.refused_count}
        )
    registry_import_start(registry_import=record, by=by, queue=False)
    return registry_import_run(registry_import=record)
