"""Real-time fan-out of chat events to streams, within a process and across processes.

* ``broker``: the ``Broker`` interface and the in-memory one; ``postgres_broker`` (LISTEN/NOTIFY)
  and ``redis_broker`` (pub/sub) carry "events up to cursor N were committed" between processes.
  Notifications carry ids only: the database (``chat_event``) is the source of truth.
* ``hub``: one ``PushHub`` per process tails the outbox into a bounded in-memory window
  and wakes the streams whose filters match; ``EventCursor`` is one stream's position.
"""
