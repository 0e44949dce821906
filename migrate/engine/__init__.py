"""The semantics the plan stage relies on, free of any workload or chart.

:mod:`~migrate.engine.placeholders` is Llama Stack 0.3.3's ``${env...}``
language, :mod:`~migrate.engine.evaluate` bakes known variables into a
run.yaml template, :mod:`~migrate.engine.overlay` finds what a Helm values
overlay must say for a chart to render a given run.yaml, and
:mod:`~migrate.engine.kube_env` computes a container's env as the kubelet
does; :mod:`~migrate.engine.problem` is a problem found here, as a value.
"""
