"""The emit stage: the files of each migrated workload, rendered from its plan.

``interface`` (the :class:`~migrate.emit.interface.Emitter` every file follows),
``overlay``, ``configmap`` and ``manifest`` (one emitter each; ``textpatch``
patches a manifest's own text), ``layout`` (where each file goes) and
``files`` (the only writes the tool makes, atomic and never overwriting
unasked).
"""
