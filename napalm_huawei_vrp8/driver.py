"""The NAPALM driver class: NAPALM's API, each method a short delegation.

Sessions, candidate loading, commits and each getter live in their own modules
(see the package docstring); this class only keeps the connection and the
configuration session of one router and maps vrpbook's typed errors to NAPALM's
exceptions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from napalm.base import NetworkDriver, models
from napalm.base.exceptions import CommandErrorException, MergeConfigException, ReplaceConfigException
from napalm.base.helpers import sanitize_configs

from vrpbook.errors import DeviceError
from vrpbook.parsers.base import ParsedOutput
from vrpbook.parsers.bgp import BgpPeers, BgpVpnInstancePeers, BgpVpnv4AllPeers
from vrpbook.parsers.bgp_routes import BgpVpnInstanceRoutingTable
from vrpbook.parsers.config import CurrentConfiguration
from vrpbook.parsers.esn import Esn
from vrpbook.parsers.interface_brief import InterfaceBrief
from vrpbook.parsers.ip_interface_brief import IpInterfaceBrief
from vrpbook.parsers.routing import RoutingTable, VpnRoutingTable
from vrpbook.parsers.version import VersionInfo
from vrpbook.parsers.vpn_instance import VpnInstances
from vrpbook.tasks.candidate import discard
from vrpbook.tasks.channel import VrpChannel
from vrpbook.tasks.connection import Vrp8Connection
from vrpbook.tasks.snapshot import read_config
from vrpbook.vrp import CURRENT_CONFIGURATION, ROUTING_TABLE, VPN_INSTANCES_VERBOSE, vpn_instance_peers, vpn_routing_table

from . import bgp, facts, instances, interfaces, routes, settings
from .commits import ConfigSession
from .loader import LoadError, load_text
from .reads import Reader
from .replace import ReplaceError, ScopeSource, replacement_commands
from .session import channel_of, open_session, transport_active

#: NAPALM's sanitize filters for VRP: cipher text of every marker pair, and passwords typed in clear.
SANITIZE_FILTERS = {
    r"(%\^%#|%@%@|%\$%\$|%#%#).*?\1": "<removed>",
    r"^(.*\b(?:simple|plain))\s+\S+": r"\1 <removed>",
}
INTERFACE_BRIEF = "display interface brief"
SAVED_CONFIGURATION = "display saved-configuration"
NO_SCOPE = (
    "load_replace_candidate replaces within vrpbook's managed scope, which comes from a vrpbook inventory: "
    "set optional_args intent_inventory (its directory) and intent_host (this router's name there; default: "
    "the sysname in its prompt)"
)


class HuaweiVRP8Driver(NetworkDriver):
    """NAPALM driver for Huawei VRP8 (NE40E/NE8000/NE20E, CloudEngine) built on vrpbook.

    ``optional_args``: ``port``, ``save_after_commit`` (default False),
    ``intent_inventory`` / ``intent_host`` (the managed scope of ``load_replace_candidate``)
    and any netmiko ``ConnectHandler`` argument (host keys: ``ssh_strict``,
    ``alt_host_keys``, ``alt_key_file``).
    """

    def __init__(
        self, hostname: str, username: str, password: str, timeout: int = 60, optional_args: dict[str, Any] | None = None
    ) -> None:
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        self.optional_args: dict[str, Any] = dict(optional_args or {})
        self.force_no_enable = False
        self.use_canonical_interface = False
        self._conn: Vrp8Connection | None = None
        self.config_session = ConfigSession(save_after_commit=flag(self.optional_args.get("save_after_commit", False)))

    # -- connection ----------------------------------------------------------------------------

    def open(self) -> None:
        self._conn = open_session(self.hostname, self.username, self.password, self.timeout, self.optional_args)

    def close(self) -> None:
        """Log out; an uncommitted candidate is dropped by VRP with the session, a pending trial
        keeps running and reverts by itself when its timer expires."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def is_alive(self) -> models.AliveDict:
        return {"is_alive": transport_active(self._conn)}

    @property
    def channel(self) -> VrpChannel:
        return channel_of(self._conn)

    @property
    def reader(self) -> Reader:
        return Reader(self.channel)

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str | dict[str, Any]]:
        """Each command's output as printed (``encoding="text"``) or read by vrpbook's parser of
        that display (``encoding="json"``: the model's JSON shape). A command the router
        refuses is ``CommandErrorException`` with its error text."""
        if not isinstance(commands, list):
            raise TypeError("cli() takes a list of commands")
        if encoding not in ("text", "json"):
            raise NotImplementedError(f"encoding {encoding!r}: VRP8 prints text; 'json' parses it with vrpbook's parsers")
        reader = self.reader
        out: dict[str, str | dict[str, Any]] = {}
        for command in commands:
            text = reader.text(command)
            out[command] = text if encoding == "text" else reader.parse(command, text, ParsedOutput).model_dump()
        return out

    # -- configuration -------------------------------------------------------------------------

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        text = _config_text(filename, config, MergeConfigException)
        try:
            load_text(self.channel, text)
        except LoadError as exc:
            raise MergeConfigException(str(exc)) from exc

    def load_replace_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Within the managed scope (see :mod:`.replace`) the candidate makes the router's
        configuration the text's; outside it nothing changes. Any loaded candidate is discarded first."""
        text = _config_text(filename, config, ReplaceConfigException)
        inventory = self.optional_args.get("intent_inventory")
        if not inventory:
            raise ReplaceConfigException(NO_SCOPE)
        source = ScopeSource(Path(str(inventory)), self.optional_args.get("intent_host") or None)
        chan = self.channel
        try:
            discard(chan)  # a replace populates the candidate from scratch
            scope = source.scope(chan.user_view().hostname)
            wanted = replacement_commands(text, read_config(chan), scope)
            if wanted:
                load_text(chan, "\n".join(wanted))
        except (ReplaceError, LoadError) as exc:
            raise ReplaceConfigException(f"{chan.host}: {exc}") from exc
        except DeviceError as exc:
            raise ReplaceConfigException(f"{chan.host}: cannot prepare the replace: {exc}") from exc

    def compare_config(self) -> str:
        return self.config_session.compare(self.channel)

    def discard_config(self) -> None:
        self.config_session.discard(self.channel)

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        self.config_session.commit(self.channel, message, revert_in)

    def has_pending_commit(self) -> bool:
        return self.config_session.pending(self.channel)

    def confirm_commit(self) -> None:
        self.config_session.confirm(self.channel)

    def rollback(self) -> None:
        self.config_session.rollback(self.channel)

    def save_config(self) -> None:
        """``save``: the running configuration becomes the startup one (never implicit)."""
        self.config_session.save(self.channel)

    # -- getters -------------------------------------------------------------------------------

    def get_facts(self) -> models.FactsDict:
        reader = self.reader
        try:
            return facts.facts(
                reader.parsed("display version", VersionInfo),
                reader.parsed("display esn", Esn),
                reader.parsed(INTERFACE_BRIEF, InterfaceBrief),
                self._sysname(reader),
            )
        except ValueError as exc:
            raise CommandErrorException(f"{self.channel.host}: get_facts: {exc}") from exc

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        reader = self.reader
        descriptions = settings.interface_descriptions(self._config(reader).sections)
        return interfaces.interfaces(reader.parsed(INTERFACE_BRIEF, InterfaceBrief), descriptions)

    def get_interfaces_ip(self) -> dict[str, models.InterfacesIPDict]:
        try:
            return interfaces.interfaces_ip(self.reader.parsed("display ip interface brief", IpInterfaceBrief))
        except ValueError as exc:
            raise CommandErrorException(f"{self.channel.host}: get_interfaces_ip: {exc}") from exc

    def get_network_instances(self, name: str = "") -> dict[str, models.NetworkInstanceDict]:
        reader = self.reader
        vpns = reader.parsed(VPN_INSTANCES_VERBOSE, VpnInstances)
        brief = reader.parsed(INTERFACE_BRIEF, InterfaceBrief)
        return instances.network_instances(vpns, brief, name)

    def get_route_to(  # type: ignore[override]  # napalm's annotation contradicts its documented shape (a list per prefix)
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, list[models.RouteDict]]:
        reader = self.reader
        tables: list[RoutingTable] = [reader.parsed(ROUTING_TABLE, RoutingTable)]
        for vpn in reader.parsed(VPN_INSTANCES_VERBOSE, VpnInstances).instances:
            tables.append(reader.parsed(vpn_routing_table(vpn.name), VpnRoutingTable))
        sections = self._config(reader).sections
        paths = {
            name: list(reader.parsed(f"display bgp vpnv4 vpn-instance {name} routing-table", BgpVpnInstanceRoutingTable).routes)
            for name in settings.bgp_vpn_instances(sections)
        }
        try:
            return routes.route_to(tables, destination, protocol, longer, paths, settings.bgp_as(sections))
        except ValueError as exc:
            raise ValueError(f"get_route_to: destination {destination!r} is not an IPv4 address or prefix") from exc

    def get_bgp_neighbors(self) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
        tables, peer_settings = self._bgp()
        try:
            return bgp.neighbors(tables, peer_settings)
        except ValueError as exc:
            raise CommandErrorException(f"{self.channel.host}: get_bgp_neighbors: {exc}") from exc

    def get_bgp_neighbors_detail(self, neighbor_address: str = "") -> dict[str, dict[int, list[models.PeerDetailsDict]]]:  # type: ignore[override]  # napalm's annotation contradicts its own documented shape
        tables, peer_settings = self._bgp()
        try:
            return bgp.neighbors_detail(tables, peer_settings, neighbor_address)
        except ValueError as exc:
            raise CommandErrorException(f"{self.channel.host}: get_bgp_neighbors_detail: {exc}") from exc

    def get_config(self, retrieve: str = "all", full: bool = False, sanitized: bool = False, format: str = "text") -> models.ConfigDict:
        """running: ``display current-configuration`` as printed (read by its parser: complete,
        one tree); startup: ``display saved-configuration`` (``""`` before the first save);
        candidate: ``display configuration candidate`` -- VRP8's own view of the candidate,
        the blocks the session's uncommitted changes touch (``""`` when nothing is loaded)."""
        if full:
            raise NotImplementedError("full=True: the driver reads VRP's displayed configuration only")
        if format != "text":
            raise NotImplementedError(f"format {format!r}: VRP8 prints its configuration as text")
        if retrieve not in ("all", "running", "startup", "candidate"):
            raise ValueError(f"retrieve must be all, running, startup or candidate, not {retrieve!r}")
        reader = self.reader
        config: models.ConfigDict = {"running": "", "startup": "", "candidate": ""}
        if retrieve in ("all", "running"):
            text = reader.text(CURRENT_CONFIGURATION)
            self._complete(reader.parse(CURRENT_CONFIGURATION, text, CurrentConfiguration), CURRENT_CONFIGURATION)
            config["running"] = text.strip("\n")
        if retrieve in ("all", "startup"):
            text = reader.text(SAVED_CONFIGURATION)
            if text.strip():
                self._complete(reader.parse(SAVED_CONFIGURATION, text, CurrentConfiguration), SAVED_CONFIGURATION)
            config["startup"] = text.strip("\n")
        if retrieve in ("all", "candidate") and self.compare_config():
            config["candidate"] = reader.text("display configuration candidate").strip("\n")
        return sanitize_configs(config, SANITIZE_FILTERS) if sanitized else config

    # -- reads shared by getters ------------------------------------------------------------

    def _complete(self, config: CurrentConfiguration, command: str) -> CurrentConfiguration:
        if not config.complete:
            raise CommandErrorException(f"{self.channel.host}: {command} did not end with 'return' (cut short)")
        return config

    def _config(self, reader: Reader) -> CurrentConfiguration:
        """The running configuration, parsed (a tree of sections), complete."""
        return self._complete(reader.parsed(CURRENT_CONFIGURATION, CurrentConfiguration), CURRENT_CONFIGURATION)

    def _sysname(self, reader: Reader) -> str:
        command = f"{CURRENT_CONFIGURATION} | include ^sysname "
        lines = [s.line for s in reader.parsed(command, CurrentConfiguration).sections_starting("sysname ")]
        if len(lines) != 1:
            raise CommandErrorException(f"{self.channel.host}: {command!r} printed {len(lines)} sysname lines")
        return lines[0].split(" ", 1)[1]

    def _bgp(self) -> tuple[bgp.BgpTables, bgp.Settings]:
        """Every BGP peer table (none without a BGP process) and the peers' configured settings."""
        reader = self.reader
        sections = self._config(reader).sections
        if not settings.has_bgp(sections):
            return bgp.BgpTables(None, None, {}), {}
        public = reader.parsed("display bgp peer", BgpPeers)
        vpnv4 = reader.parsed("display bgp vpnv4 all peer", BgpVpnv4AllPeers)
        per_vpn = {name: reader.parsed(vpn_instance_peers(name), BgpVpnInstancePeers) for name in settings.bgp_vpn_instances(sections)}
        return bgp.BgpTables(public, vpnv4, per_vpn), settings.bgp_settings(sections)


def flag(value: object) -> bool:
    """An optional_args switch: a bool, or the text NAPALM's CLI passes (``save_after_commit=true``)."""
    if isinstance(value, str):
        if value.strip().lower() not in ("true", "false", "yes", "no", "1", "0", "on", "off", ""):
            raise ValueError(f"not a yes/no value: {value!r}")
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)


def _config_text(filename: str | None, config: str | None, error: type[Exception]) -> str:
    """NAPALM's rule: the file wins over the string; neither is an error."""
    if filename is not None:
        try:
            with open(filename, encoding="utf-8") as handle:
                return handle.read()
        except OSError as exc:
            raise error(f"cannot read {filename}: {exc}") from exc
    if config is None:
        raise error("load needs a filename or a config string")
    return config
