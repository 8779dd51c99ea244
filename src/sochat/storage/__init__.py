"""SQL storage: the ports' ``Database`` on SQLite or PostgreSQL (SQLAlchemy Core, asyncio).

* ``schema``: the tables; ``migrations/`` + ``migrate``: Alembic, run programmatically.
* ``database``: ``SqlDatabase`` / ``SqlUnitOfWork`` (transactions, SQLite write locking).
* ``repositories``: the repositories and the row <-> domain mapping.
* ``demo``: demo data for an empty database.
"""
