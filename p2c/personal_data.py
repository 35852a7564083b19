"""The registry through which every app takes part in a user's data export and account deletion.

Each app registers, from its ``AppConfig.ready()``, an exporter (what it holds about a user, as JSON-ready
data) and an eraser (what it removes or anonymises before the account is deleted)::

    from p2c.personal_data import register_exporter, register_eraser

    register_exporter("organisations", export_memberships)   # fn(user) -> dict | list
    register_eraser("organisations", erase_invitations)      # fn(user) -> None
    register_deletion_warning("organisations", warn)           # fn(user) -> [sentence, ...]

``export_user_data`` collects every part under its label; ``erase_user_data`` runs every eraser in
registration order (apps' order in INSTALLED_APPS). Deleting the account itself is ``accounts.services``.
"""

from collections.abc import Callable
from typing import Any

_exporters: dict[str, Callable[[Any], Any]] = {}
_erasers: dict[str, Callable[[Any], None]] = {}
_warnings: dict[str, Callable[[Any], list[str]]] = {}


def register_exporter(label: str, exporter: Callable[[Any], Any]) -> None:
    """Register ``exporter(user) -> JSON-ready data`` under ``label`` (one per label; re-registering replaces)."""
    _exporters[label] = exporter


def register_eraser(label: str, eraser: Callable[[Any], None]) -> None:
    """Register ``eraser(user) -> None``, run inside the deletion's transaction before the user row goes."""
    _erasers[label] = eraser


def register_deletion_warning(label: str, warn: Callable[[Any], list[str]]) -> None:
    """Register ``warn(user) -> [translated sentence, ...]``: what the person should know before deleting their
    account (e.g. an organisation that would be left without an owner)."""
    _warnings[label] = warn


def deletion_warnings(user) -> list[str]:
    """Every registered warning for ``user``, in registration order."""
    return [sentence for warn in _warnings.values() for sentence in warn(user)]


def exporters() -> dict[str, Callable[[Any], Any]]:
    return dict(_exporters)


def erasers() -> dict[str, Callable[[Any], None]]:
    return dict(_erasers)


def export_user_data(user) -> dict[str, Any]:
    """Everything the platform holds about ``user``: ``{label: data}`` for every registered exporter."""
    return {label: exporter(user) for label, exporter in _exporters.items()}


def erase_user_data(user) -> None:
    """Run every registered eraser for ``user`` (the caller deletes the account afterwards, atomically)."""
    for eraser in _erasers.values():
        eraser(user)
