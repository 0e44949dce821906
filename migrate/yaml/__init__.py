"""The one owner of YAML text: reading with positions and limits, splicing, quoting.

- :mod:`~migrate.yaml.load`: manifests as kubectl reads them and run.yaml as
  Llama Stack does, with the limits every document passes, and load errors
  at file:line:column.
- :mod:`~migrate.yaml.helm`: how Helm reads a values file (go-yaml v2, JSON);
  :mod:`~migrate.yaml.values_file`: such a file with the lines of its entries.
- :mod:`~migrate.yaml.lines`, :mod:`~migrate.yaml.spans`: line arithmetic and
  node extents; :mod:`~migrate.yaml.splice`: the one splice engine, and
  :mod:`~migrate.yaml.entries`: mapping entries cut out of a text with it.
- :mod:`~migrate.yaml.scalars`: when a string goes unquoted, quoting, floats;
  :mod:`~migrate.yaml.io`: the writers, and equality of loaded data.
"""
