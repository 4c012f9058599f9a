"""Does a getter's result have exactly NAPALM's documented structure?

NAPALM specifies each getter's result with the TypedDicts of
:mod:`napalm.base.models`; its own test helper (``napalm.base.test.helpers.test_model``)
checks one level and cannot check ``Dict[...]`` annotations. :func:`problems` walks the
whole result: exact keys (every key of a total model, no other), exact types (an ``int``
is not a ``float``, a ``bool`` is not an ``int``, ``None`` is nothing), every nested dict
and list. :data:`GETTER_SHAPES` is the structure of each getter this driver implements,
as NAPALM documents it (where NAPALM's own return annotation disagrees with its
documentation -- ``get_route_to``, ``get_bgp_neighbors_detail`` -- the documentation
wins). The driver's tests and ``bench/napalm_compare.py`` judge every getter with it.
"""

from __future__ import annotations

import typing
from typing import Any

import typing_extensions
from napalm.base import models

#: The documented result of each getter.
GETTER_SHAPES: dict[str, Any] = {
    "is_alive": models.AliveDict,
    "get_facts": models.FactsDict,
    "get_interfaces": dict[str, models.InterfaceDict],
    "get_interfaces_ip": dict[str, models.InterfacesIPDict],
    "get_bgp_neighbors": dict[str, models.BGPStateNeighborsPerVRFDict],
    "get_bgp_neighbors_detail": dict[str, dict[int, list[models.PeerDetailsDict]]],
    "get_config": models.ConfigDict,
    "get_route_to": dict[str, list[models.RouteDict]],
    "get_network_instances": dict[str, models.NetworkInstanceDict],
    "cli": dict[str, str],
}


def problems(shape: Any, data: Any, path: str = "result") -> list[str]:
    """Every way *data* departs from *shape* (empty: it conforms), each naming where."""
    origin, args = typing.get_origin(shape), typing.get_args(shape)
    if typing_extensions.is_typeddict(shape):  # napalm's models are typing_extensions TypedDicts
        return _typeddict(shape, data, path)
    if shape is dict or shape is typing.Dict or origin is dict:  # noqa: UP006 - napalm's models say typing.Dict
        if not isinstance(data, dict):
            return [f"{path}: {_kind(data)}, not a dict"]
        if not args:
            return []
        return [p for k, v in data.items() for p in problems(args[0], k, f"{path}[{k!r}]") + problems(args[1], v, f"{path}[{k!r}]")]
    if shape is list or shape is typing.List or origin is list:  # noqa: UP006 - napalm's models say typing.List
        if not isinstance(data, list):
            return [f"{path}: {_kind(data)}, not a list"]
        return [p for i, v in enumerate(data) for p in (problems(args[0], v, f"{path}[{i}]") if args else [])]
    if shape in (int, float, str, bool):
        return [] if type(data) is shape else [f"{path}: {data!r} is {_kind(data)}, not {shape.__name__}"]
    raise TypeError(f"{path}: no rule for {shape!r}")


def _typeddict(shape: Any, data: Any, path: str) -> list[str]:
    if not isinstance(data, dict):
        return [f"{path}: {_kind(data)}, not a dict ({shape.__name__})"]
    hints = typing.get_type_hints(shape)
    required = set(getattr(shape, "__required_keys__", hints))
    out = [f"{path}: missing {k!r} ({shape.__name__})" for k in sorted(required - set(data))]
    out += [f"{path}: unexpected {k!r} ({shape.__name__})" for k in sorted(set(data) - set(hints), key=str)]
    for key in [k for k in hints if k in data]:
        out += problems(hints[key], data[key], f"{path}.{key}")
    return out


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__
