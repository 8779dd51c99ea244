"""Errors the storage layer raises instead of driver exceptions, so no SQL leaks out.

Both subclass built-in exceptions, so callers that must not import storage can still
catch them (``ValueError`` for a duplicate, ``PermissionError`` for a write in a read).
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of the storage layer's own errors."""


class DuplicateKeyError(StorageError, ValueError):
    """An insert would duplicate a unique key (for example a user name)."""


class ReadOnlyError(StorageError, PermissionError):
    """A write was attempted in a unit of work opened with ``Database.read()``."""


class UnitOfWorkError(StorageError, RuntimeError):
    """The unit of work was misused (committed twice, used after it ended)."""
