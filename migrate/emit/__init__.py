"""The emit stage: the files of each migrated workload, rendered from its plan.

``interface`` (the :class:`~migrate.emit.interface.Emitter` every file follows),
``overlay``, ``configmap`` and ``manifest`` (one emitter each; ``textpatch``
patches a manifest's own text), ``rollback`` (the ``rollback/`` folder: the
workload as read, and the commands back to it), ``layout`` (where each file goes) and
``files`` (the only writes the tool makes, atomic and never overwriting
unasked).
"""
