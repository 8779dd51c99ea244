"""Errors the storage layer raises instead of driver exceptions, so no SQL leaks out.

Each subclasses a built-in exception, so callers that must not import storage can still
catch them (``ValueError`` for a duplicate, ``LookupError`` for a link to a missing row,
``PermissionError`` for a write in a read).
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of the storage layer's own errors."""


class DuplicateKeyError(StorageError, ValueError):
    """An insert would duplicate a unique key (for example a user name)."""


class MissingReferenceError(StorageError, LookupError):
    """A write links to a row that does not exist (a topic, an associate, a session).

    The statement failed inside the database: on PostgreSQL the transaction cannot go on,
    so let the unit of work end (it rolls back).
    """


class ReadOnlyError(StorageError, PermissionError):
    """A write was attempted in a unit of work opened with ``Database.read()``."""


class UnitOfWorkError(StorageError, RuntimeError):
    """The unit of work was misused (committed twice, used after it ended)."""
