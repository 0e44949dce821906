"""The source stage: where Kubernetes objects come from.

``interface`` (the :class:`~migrate.sources.interface.Source` every source
follows, its problems as values and its base error), ``files`` (manifest
files and stdin; ``manifests`` reads their documents), ``context`` (one
kubeconfig context of a live cluster; ``cluster`` is the only module that
talks to the API server; ``parallel`` runs its reads on a bounded pool),
``helm_release`` (a release's last deployed values), ``helm_history`` (a
release's whole history) and ``workloads`` (documents become workloads with
the ConfigMaps they name). ``server_fields`` holds the one list of the
fields the API server sets, which both a scan and a conversion of ``kubectl
get`` output leave out.
"""
