"""Recognising a chart's layout and env map from its templates, in-process."""

from __future__ import annotations

import pytest

from migrate.chart import detect, profile, read
from migrate.chart.layout import Layout, Section
from migrate.errors import InputError
from tests.support import helm

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"


def chart(*templates: str, source: str = "my-chart") -> read.ChartFiles:
    """A chart whose templates are ``templates``, as read from disk."""
    return read.ChartFiles(
        source, "", {f"templates/t{i}.yaml": text for i, text in enumerate(templates)}
    )


def test_the_fixture_charts_have_the_built_in_layouts() -> None:
    built_in = profile.load().targets
    assert detect.layout(read.chart_files(helm.RUNCONFIG), "run.yaml") == Layout(
        name="runconfig", whole="runConfig"
    )
    assert detect.layout(read.chart_files(helm.RUNCONFIG), "run.yaml") == (
        built_in["runconfig"].layout
    )
    assert detect.layout(read.chart_files(helm.MODULAR), "run.yaml") == (built_in["modular"].layout)


def test_a_whole_run_yaml_under_a_quoted_key_with_a_comment() -> None:
    files = chart(
        CONFIGMAP
        + '  "run.yaml": |-\n    # the run.yaml\n    {{ toYaml .Values.config | nindent 4 }}\n'
    )
    assert detect.layout(files, "run.yaml") == Layout(name="runconfig", whole="config")


def test_modular_sections_after_literal_lines_and_before_the_next_key() -> None:
    files = chart(
        CONFIGMAP + "  run.yaml: |\n"
        "    version: 2\n"
        "    {{- with .Values.vectorStores }}\n"
        "    vector_stores:\n"
        "      {{- toYaml . | nindent 6 }}\n"
        "    {{- end }}\n"
        "\n"
        "  other.yaml: |\n"
        "    {{- toYaml .Values.other | nindent 4 }}\n"
    )
    assert detect.layout(files, "run.yaml") == Layout(
        name="modular",
        sections=(Section("vectorStores", "vector_stores"),),
        fixed={"version": 2},
    )


@pytest.mark.parametrize(
    "block",
    [
        # a function detect does not follow
        "    {{- tpl (toYaml .Values.runConfig) . | nindent 4 }}\n",
        # a condition that is not one section
        "    {{- if .Values.x }}\n    a: 1\n    {{- end }}\n",
        # a section whose group is cut short
        "    {{- with .Values.a }}\n    a:\n      {{- toYaml . | nindent 6 }}\n",
        # a section that renders something else than its value
        "    {{- with .Values.a }}\n    a:\n      b: 1\n    {{- end }}\n",
        # literal lines only
        "    version: 2\n",
        # literal lines that are not YAML
        "    {{- with .Values.a }}\n    a:\n      {{- toYaml . | nindent 6 }}\n"
        "    {{- end }}\n    b: [1\n",
        # literal lines that are not a mapping
        "    {{- with .Values.a }}\n    a:\n      {{- toYaml . | nindent 6 }}\n"
        "    {{- end }}\n    - 1\n",
    ],
)
def test_a_layout_migrate_does_not_know_is_refused_with_what_was_looked_for(block: str) -> None:
    files = chart(CONFIGMAP + "  run.yaml: |\n" + block)
    with pytest.raises(InputError) as caught:
        detect.layout(files, "run.yaml")
    message = str(caught.value)
    assert message.startswith(
        "my-chart: templates/t0.yaml renders 'run.yaml' in a layout migrate does not know; "
        "looked in templates/ for a ConfigMap whose data key 'run.yaml' is rendered by "
    )
    assert "`toYaml .Values.<key>`" in message and "`{{- with .Values.<key> }}`" in message


def test_no_configmap_with_the_file_is_refused_as_maybe_the_old_chart() -> None:
    files = chart(
        CONFIGMAP + "  other.yaml: |\n    {{- toYaml .Values.x | nindent 4 }}\n",
        # a run.yaml key, but no ConfigMap
        "kind: Secret\nstringData:\n  run.yaml: |\n    {{- toYaml .Values.x | nindent 4 }}\n",
    )
    with pytest.raises(InputError) as caught:
        detect.layout(files, "run.yaml")
    message = str(caught.value)
    assert message.startswith("my-chart: no template renders a ConfigMap with 'run.yaml'; looked ")
    assert message.endswith(
        "Is this the chart you upgrade to (the old chart sets VECTOR_STORE_* env vars "
        "and has no such ConfigMap)?"
    )
    with pytest.raises(InputError, match="no template renders a ConfigMap"):
        detect.layout(read.chart_files(helm.LEGACY), "run.yaml")


def test_two_templates_that_render_the_file_are_refused() -> None:
    whole = CONFIGMAP + "  run.yaml: |\n    {{- toYaml .Values.x | nindent 4 }}\n"
    with pytest.raises(InputError) as caught:
        detect.layout(chart(whole, whole), "run.yaml")
    assert str(caught.value) == (
        "my-chart: more than one template renders 'run.yaml' (templates/t0.yaml, templates/t1.yaml)"
    )


def test_the_env_map_a_chart_ranges_over() -> None:
    env = (
        "          env:\n"
        "            {{- range $name, $value := .Values.extraEnv }}\n"
        "            - name: {{ $name }}\n"
        "              value: {{ $value | quote }}\n"
        "            {{- end }}\n"
    )
    assert detect.env_values_key(chart("kind: Deployment\n", env)) == "extraEnv"
    # A range that writes something else than env var names.
    other = env.replace("- name: {{ $name }}", "- port: {{ $name }}")
    assert detect.env_values_key(chart(other)) is None
    assert detect.env_values_key(read.chart_files(helm.MODULAR)) is None
