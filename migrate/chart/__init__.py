"""The chart side of a migration: the profile, and the target chart a release upgrades to.

``profile`` loads the built-in profile (package data under
``migrate/profiles/``) with the user's options; ``target`` holds the target
charts, ``layout`` how their values become run.yaml, ``read`` and ``detect``
read a user's own chart and recognise its layout, and ``summary`` is what
`migrate targets` tells of them.
"""
