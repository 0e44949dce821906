"""Label and field selectors, as the API server reads them (list filters, 400 on bad ones)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


class LabelSelectorError(ValueError):
    """A label or field selector the API server would reject (400 BadRequest)."""


_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SELECTOR_TOKEN = re.compile(r"\s*(?:(==|!=|=|!|\(|\)|,|<|>)|([^\s=!(),<>]+))")


def _check_key(key: str) -> None:
    prefix, _, name = key.rpartition("/")
    if "/" in key and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        raise LabelSelectorError(f"invalid label key {key!r}: bad prefix")
    if not _LABEL_NAME.fullmatch(name):
        raise LabelSelectorError(f"invalid label key {key!r}")


def _check_value(value: str) -> None:
    if value and not _LABEL_NAME.fullmatch(value):
        raise LabelSelectorError(f"invalid label value {value!r}")


def _tokens(selector: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(selector):
        if not selector[position:].strip():
            break
        found = _SELECTOR_TOKEN.match(selector, position)
        if found is None:
            raise LabelSelectorError(f"cannot parse selector at {selector[position:]!r}")
        tokens.append(found.group(1) or found.group(2))
        position = found.end()
    return tokens


_Requirement = tuple[str, str, tuple[str, ...]]  # key, operator, values


def parse_selector(selector: str) -> list[_Requirement]:
    """Parse a label selector as ``k8s.io/apimachinery/pkg/labels.Parse`` does."""
    tokens = _tokens(selector)
    requirements: list[_Requirement] = []
    index = 0

    def take() -> str | None:
        nonlocal index
        token = tokens[index] if index < len(tokens) else None
        index += 1
        return token

    def peek() -> str | None:
        return tokens[index] if index < len(tokens) else None

    while index < len(tokens):
        token = take()
        if token == "!":
            key = take()
            if key is None or key in {"=", "==", "!=", "!", "(", ")", ",", "<", ">"}:
                raise LabelSelectorError(f"expected a label key after '!' in {selector!r}")
            _check_key(key)
            requirements.append((key, "!", ()))
        elif token is None or token in {"=", "==", "!=", "(", ")", ",", "<", ">"}:
            raise LabelSelectorError(f"expected a label key in {selector!r}")
        else:
            key = token
            _check_key(key)
            operator = peek()
            if operator is None or operator == ",":
                requirements.append((key, "exists", ()))
            elif operator in {"=", "==", "!="}:
                take()
                value = peek()
                if value is None or value == ",":
                    value = ""  # ``a=`` selects the empty value
                else:
                    take()
                _check_value(value)
                requirements.append((key, "!=" if operator == "!=" else "=", (value,)))
            elif operator in {"in", "notin"}:
                take()
                if take() != "(":
                    raise LabelSelectorError(f"expected '(' after {operator!r} in {selector!r}")
                values: list[str] = []
                while True:
                    value = take()
                    if value == ")" and not values:
                        raise LabelSelectorError(f"empty set after {operator!r} in {selector!r}")
                    if value is None or value in {"(", "=", "==", "!=", "!", "<", ">"}:
                        raise LabelSelectorError(f"unterminated set in {selector!r}")
                    if value in {",", ")"}:
                        values.append("")
                    else:
                        values.append(value)
                        value = take()
                    if value == ")":
                        break
                    if value != ",":
                        raise LabelSelectorError(f"expected ',' or ')' in {selector!r}")
                for value in values:
                    _check_value(value)
                requirements.append((key, operator, tuple(values)))
            elif operator in {"<", ">"}:
                take()
                value = take()
                if value is None or not re.fullmatch(r"-?\d+", value):
                    raise LabelSelectorError(f"expected an integer after {operator!r}")
                requirements.append((key, operator, (value,)))
            else:
                raise LabelSelectorError(f"unexpected {operator!r} after {key!r} in {selector!r}")
        separator = take()
        if separator is not None and separator != ",":
            raise LabelSelectorError(f"expected ',' in {selector!r}, got {separator!r}")
        if separator == "," and peek() is None:
            raise LabelSelectorError(f"trailing ',' in {selector!r}")
    return requirements


def satisfies(labels: Mapping[str, str], requirement: _Requirement) -> bool:
    key, operator, values = requirement
    present = key in labels
    value = labels.get(key)
    match operator:
        case "exists":
            return present
        case "!":
            return not present
        case "=" | "in":
            return present and value in values
        case "!=" | "notin":
            return not present or value not in values
        case "<" | ">":
            if value is None or not re.fullmatch(r"-?\d+", value):
                return False
            number, bound = int(value), int(values[0])
            return number < bound if operator == "<" else number > bound
    raise AssertionError(operator)  # pragma: no cover


def match_labels(selector: str, labels: Mapping[str, str] | None) -> bool:
    """Whether ``labels`` satisfy the label ``selector`` (raises :class:`LabelSelectorError`)."""
    return all(satisfies(labels or {}, r) for r in parse_selector(selector))


_FIELD_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9_.]+)\s*(==|!=|=)\s*([^,]*?)\s*")


def match_fields(selector: str, obj: Mapping[str, Any]) -> bool:
    """Field selectors on ``metadata.name`` and ``metadata.namespace`` (and Secret ``type``)."""
    meta = obj.get("metadata") or {}
    fields = {
        "metadata.name": meta.get("name") or "",
        "metadata.namespace": meta.get("namespace") or "",
    }
    if "type" in obj:
        fields["type"] = obj["type"]
    for part in selector.split(","):
        if not part.strip():
            continue
        found = _FIELD_REQUIREMENT.fullmatch(part)
        if found is None:
            raise LabelSelectorError(f"invalid field selector {part!r}")
        name, operator, value = found.groups()
        if name not in {"metadata.name", "metadata.namespace", "type"}:
            raise LabelSelectorError(f'field label not supported: "{name}"')
        actual = fields.get(name, "")
        if (actual == value) != (operator in {"=", "=="}):
            return False
    return True
