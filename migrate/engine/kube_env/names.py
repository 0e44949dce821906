"""Which names the API server accepts as env var names, and which the kubelet may inject.

The kubelet injects service link variables (``<SERVICE>_SERVICE_HOST`` and
relatives) for the Services of the pod's namespace; offline we only know a
name's shape, so a name of that shape may be set although no entry sets it.
"""

from __future__ import annotations

import re

# Real ConfigMap and Secret keys are restricted to this shape.
CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")

# Service names are DNS labels upper-cased with '-' and '.' turned into '_'
# (a leading digit gets a '_' in front); port names likewise; see the
# kubelet's envvars.FromServices.
_SVC = r"[A-Z_][A-Z0-9_]*"
_LINK_SUFFIXES = (
    r"_SERVICE_HOST",
    r"_SERVICE_PORT",
    r"_SERVICE_PORT_[A-Z0-9_]+",
    r"_PORT",
    r"_PORT_[0-9]+_(?:TCP|UDP|SCTP)(?:_PROTO|_PORT|_ADDR)?",
)
_ANY_SERVICE_LINK = re.compile(f"(?:{_SVC})(?:{'|'.join(_LINK_SUFFIXES)})")
# The API server's own Service ("kubernetes" in "default") is linked into every
# pod even when enableServiceLinks is false.
_MASTER_SERVICE_LINK = re.compile(f"KUBERNETES(?:{'|'.join(_LINK_SUFFIXES)})")


def is_valid_name(name: object) -> bool:
    """Whether the API server accepts ``name`` as an env var name.

    This is the relaxed rule (on by default since 1.32, GA in 1.34): printable
    ASCII except ``=``.
    """
    if not isinstance(name, str) or not name:
        return False
    return all(" " <= ch <= "~" and ch != "=" for ch in name)


def looks_like_service_link(name: str, *, enable_service_links: bool = True) -> bool:
    """Whether the kubelet could inject ``name`` as a service link variable."""
    pattern = _ANY_SERVICE_LINK if enable_service_links else _MASTER_SERVICE_LINK
    return pattern.fullmatch(name) is not None
