"""The commands' core: each stage in its order, from options to an exit code.

``convert`` (documents → plans → files, the pipeline every command shares),
``result`` (what it decides: outcomes, results, the policy), ``scan`` (live
clusters in, the same plans out), ``run`` (what convert and scan share
around the pipeline: loading, writing files, the report, the exit code) and
``tables`` (the ``mapping``, ``targets`` and ``findings`` listings).
"""
