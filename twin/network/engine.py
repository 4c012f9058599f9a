"""The simulated network: control plane computed from all running configs + cables.

STUB: the network side replaces this module. The constructor signature and the
methods of :class:`vrpbook.twin.network.api.NetworkView` are the contract.
"""

from __future__ import annotations

import time
from typing import Callable

from ..topology import Topology
from .api import LabEvent, RunningConfigs


class Network:
    """Implements :class:`~vrpbook.twin.network.api.NetworkView` for one lab.

    ``time_scale`` multiplies protocol delays (1.0 = realistic seconds,
    0 = instant); ``clock`` returns seconds (monotonic).
    """

    def __init__(
        self,
        topology: Topology,
        running_configs: RunningConfigs,
        time_scale: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.topology = topology
        self.running_configs = running_configs
        self.time_scale = time_scale
        self.clock = clock

    def config_changed(self, router: str) -> None:
        """Called by the device side after every commit, rollback or trial revert."""

    def events(self) -> list[LabEvent]:
        return []
