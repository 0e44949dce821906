"""The finding rules: one module per finding ID, as yamllint keeps its rules.

A rule module declares ``ID`` (stable: what ``--ignore`` names), ``SEVERITY``
(the usual one), ``TITLE`` (one line), optionally ``SEVERITY_NOTE`` (when
another severity applies, in words), and a module docstring that is the
documentation of the finding (``docs/findings.md`` is generated from it).
Where the finding is decided by looking at a planned workload, the module
has a ``check(workload)`` that yields :class:`~migrate.engine.problem.Problem`
values; the other findings are raised where their cause is met (planning,
the kubelet emulation, reading a cluster, ``--verify``).

:data:`RULES` lists the modules in the catalogue's order: the order of the
docs table and of ``migrate findings``. A new finding is a new module here,
listed in :data:`RULES` (a test checks that none is left out).
"""

from __future__ import annotations

from types import ModuleType

from migrate.plan.rules import (
    api_unavailable,
    chart_default_hazard,
    configmap_not_read,
    configmap_too_large,
    container_ambiguous,
    drift_conflict,
    embedding_provider_not_enabled,
    env_from_kept,
    env_not_carried,
    env_not_in_overlay,
    env_problem,
    helm_release_unreadable,
    helm_values_mismatch,
    kind_not_migrated,
    layout_conflict,
    legacy_placeholder,
    namespace_forbidden,
    namespace_not_given,
    no_rollout_trigger,
    older_image,
    own_config,
    release_history_incomplete,
    scan_incomplete,
    secret_variable,
    self_check,
    server_fields_removed,
    shared_node,
    silent_revert,
    target_cannot_carry,
    unresolved_reference,
    unused_variable,
    upgrade_reverted,
    value_not_inlined,
    vector_provider_not_enabled,
    vector_store_risk,
    verify_mismatch,
    vllm_auto_registration,
    workload_invalid,
)

RULES: tuple[ModuleType, ...] = (
    # What an upgrade without care would break, or already broke.
    silent_revert,
    upgrade_reverted,
    vector_store_risk,
    chart_default_hazard,
    drift_conflict,
    # The configuration itself.
    vllm_auto_registration,
    vector_provider_not_enabled,
    embedding_provider_not_enabled,
    legacy_placeholder,
    # The env of the pod.
    unused_variable,
    secret_variable,
    unresolved_reference,
    value_not_inlined,
    env_not_in_overlay,
    env_not_carried,
    env_from_kept,
    env_problem,
    namespace_not_given,
    # After the migration.
    no_rollout_trigger,
    server_fields_removed,
    # Reading a cluster (`migrate scan`).
    namespace_forbidden,
    api_unavailable,
    scan_incomplete,
    helm_release_unreadable,
    helm_values_mismatch,
    # Workloads already on the new layout.
    configmap_not_read,
    release_history_incomplete,
    # Workloads that are not migrated, and why.
    own_config,
    kind_not_migrated,
    older_image,
    # Workloads that cannot be migrated.
    workload_invalid,
    container_ambiguous,
    configmap_too_large,
    shared_node,
    layout_conflict,
    target_cannot_carry,
    verify_mismatch,
    self_check,
)
