"""The plan stage: what to do with each workload, and what to report about it.

:mod:`~migrate.plan.classify` decides which workloads are Llama Stack's,
:mod:`~migrate.plan.workload` plans one (env fates in
:mod:`~migrate.plan.variables`, the run.yaml and overlay in
:mod:`~migrate.plan.resolution`, the pod's shape in
:mod:`~migrate.plan.layout`), and :mod:`~migrate.plan.checks` runs the
finding rules of :mod:`~migrate.plan.rules` on the result; the rules'
registry is :mod:`~migrate.plan.findings`. :mod:`~migrate.plan.values`
plans old chart values, and :mod:`~migrate.plan.verify` proves a plan with
Helm.
"""
