"""napalm-huawei-vrp against vrpbook's huawei_vrp8, operation by operation, measured on the twin.

Boots the reference lab in-process (time scale 0), converges it with the
``bfd-static-vpn`` runbook, then runs every NAPALM operation of the driver's
README table with both drivers and prints a Markdown table of what each one
did: the getter's result judged by ``napalm_huawei_vrp8.conformance`` (NAPALM's
documented structure), the exception it raised, the commands it typed (netmiko's
session log for the old driver), and the time. Reads run on PE3 (public and
VPN-instance BGP peers); changes on PE1 (huawei_vrp8) and PE2 (napalm-huawei-vrp).

napalm-huawei-vrp is optional (``pip install napalm-huawei-vrp``; the test extra
has it): imported here only.

    python bench/napalm_compare.py
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import napalm

from napalm_huawei_vrp8.conformance import GETTER_SHAPES, problems
from vrpbook.intended import intended_config
from vrpbook.intent import load_intent
from vrpbook.lab import boot_lab
from vrpbook.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "tests" / "runbooks"))
import helpers  # the runbook tests' helpers converge the lab

INVENTORY = PROJECT_ROOT / "inventory" / "lab"
REFERENCE = PROJECT_ROOT / "napalm_huawei_vrp8" / "validate" / "reference"
SNIPPET = "interface LoopBack9\n description napalm compare\n ip address 9.9.9.9 255.255.255.255\n"


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    seconds: float = 0.0


def measure(fn: Callable[[], Any]) -> Outcome:
    start = time.perf_counter()
    try:
        value = fn()
    except Exception as exc:  # what the driver raised is the measurement
        return Outcome(error=exc, seconds=time.perf_counter() - start)
    return Outcome(value=value, seconds=time.perf_counter() - start)


def short(text: str, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def raised(o: Outcome) -> str:
    assert o.error is not None
    return f"raises `{type(o.error).__name__}`" + (f": {short(str(o.error), 70)}" if str(o.error).strip() else " (empty message)")


def judge(getter: str, o: Outcome) -> str:
    """One cell: did the getter answer with NAPALM's structure?"""
    if o.error is not None:
        return raised(o)
    if o.value is None:
        return "returns `None`"
    found = problems(GETTER_SHAPES[getter], o.value)
    if not found:
        return f"conforms ({o.seconds:.2f} s)"
    return f"{len(found)} departure(s) from NAPALM's model, e.g. `{short(found[0], 70)}`"


def verdict(o: Outcome) -> str:
    if o.error is not None:
        return raised(o)
    return f"complies={o.value['complies']} skipped={o.value['skipped']} ({o.seconds:.2f} s)"


def typed(log: Path, since: int) -> list[str]:
    """Commands the old driver typed since byte *since* of its netmiko session log."""
    text = log.read_text(errors="replace")[since:]
    out = []
    for line in text.splitlines():
        m = re.match(r"^(?:<[^<>]+>|\[[~*]?[^\[\]]+\])(\S.*)$", line.strip())
        if m:
            out.append(m.group(1).strip())
    return out


def old_driver(running: Any, host: str, log: Path) -> Any:
    address, port = running.address(host)
    user, password = running.credentials
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        cls = napalm.get_network_driver("huawei_vrp")
    deprecations = [str(w.message) for w in seen if issubclass(w.category, DeprecationWarning)]
    driver = cls(address, user, password, optional_args={"port": port, "session_log": str(log)})
    return driver, deprecations


def new_driver(running: Any, host: str) -> Any:
    address, port = running.address(host)
    user, password = running.credentials
    args = {"port": port, "intent_inventory": str(INVENTORY)}
    return napalm.get_network_driver("huawei_vrp8")(address, user, password, optional_args=args)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    rows: list[tuple[str, str, str]] = []
    lab = boot_lab(INVENTORY, state_dir=None, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running, tempfile.TemporaryDirectory() as tmp:
        report, _ = helpers.run(running, Path(tmp) / "artifacts")
        assert report.exit_code == 0, report.failure
        log = Path(tmp) / "old-session.log"
        old, deprecations = old_driver(running, "PE3", log)
        new = new_driver(running, "PE3")
        o_open, n_open = measure(old.open), measure(new.open)
        rows.append(("import", "imports `telnetlib`: " + (short(deprecations[0], 60) if deprecations else "no warning")
                     + " (gone in Python 3.13: the import fails there)", "no telnetlib; Python ≥ 3.11"))
        rows.append(("open", f"ok ({o_open.seconds:.2f} s), netmiko `huawei` device type" if o_open.error is None else raised(o_open),
                     f"ok ({n_open.seconds:.2f} s), vrpbook's `vrp8` channel" if n_open.error is None else raised(n_open)))
        reads: list[tuple[str, Callable[[Any], Any]]] = [
            ("is_alive", lambda d: d.is_alive()),
            ("get_facts", lambda d: d.get_facts()),
            ("get_interfaces", lambda d: d.get_interfaces()),  # the old one reads `display interface`: the twin has no such display
            ("get_interfaces_ip", lambda d: d.get_interfaces_ip()),
            ("get_bgp_neighbors", lambda d: d.get_bgp_neighbors()),
            ("get_bgp_neighbors_detail", lambda d: d.get_bgp_neighbors_detail()),
            ("get_route_to", lambda d: d.get_route_to("1.1.1.1")),
            ("get_network_instances", lambda d: d.get_network_instances()),
            ("get_config", lambda d: d.get_config()),
            ("cli", lambda d: d.cli(["display version"])),
        ]
        for name, call in reads:
            o, n = measure(lambda c=call: c(old)), measure(lambda c=call: c(new))
            rows.append((f"`{name}`", judge(name, o), judge(name, n)))
            if name == "get_facts" and o.value:
                rows.append(("  facts values", short(f"model={o.value.get('model')!r} os_version={o.value.get('os_version')!r} "
                             f"serial_number={o.value.get('serial_number')!r} uptime={o.value.get('uptime')!r}", 120),
                             short(f"model={n.value.get('model')!r} os_version={n.value.get('os_version')!r} "
                                   f"serial_number={n.value.get('serial_number')!r}", 120) if n.value else judge(name, n)))
            if name == "get_config" and o.value:
                sizes = f"startup {len(o.value['startup'])} chars, candidate {len(o.value['candidate'])} chars (never read)"
                rows.append(("  startup / candidate", sizes,
                             "startup = `display saved-configuration`, candidate = `display configuration candidate`"))
        o_rep = measure(lambda: old.compliance_report(str(REFERENCE / "PE3.yaml")))
        n_rep = measure(lambda: new.compliance_report(str(REFERENCE / "PE3.yaml")))
        rows.append(("`compliance_report` (shipped PE3.yaml)", verdict(o_rep), verdict(n_rep)))
        old.close()
        new.close()

        # -- changes: the old driver on PE2, the new one on PE1 --------------------------------
        old, _ = old_driver(running, "PE2", log)
        old.open()
        new = new_driver(running, "PE1")
        new.open()
        o, n = measure(lambda: old.load_merge_candidate(config=SNIPPET)), measure(lambda: new.load_merge_candidate(config=SNIPPET))
        rows.append(("`load_merge_candidate`", "buffers the text in Python; nothing reaches the router",
                     f"types it into the router's candidate ({n.seconds:.2f} s)" if n.error is None else raised(n)))
        o, n = measure(old.compare_config), measure(new.compare_config)
        rows.append(("`compare_config`", "the snippet's lines not found verbatim in the running configuration: "
                     + repr(short(o.value or "", 60)), "the router's `display configuration candidate changes`: "
                     + repr(short(n.value or "", 60))))
        mark = log.stat().st_size if log.exists() else 0
        o, n = measure(lambda: old.commit_config(message="compare")), measure(lambda: new.commit_config(message="compare"))
        sent = typed(log, mark)
        rows.append(("`commit_config(message=…)`",
                     f"{raised(o) if o.error else 'ok'} after {o.seconds:.1f} s; typed: "
                     + ", ".join(f"`{c}`" for c in sent[:6]) + " — a backup `save <file>` first (the twin has no file commands), "
                     "and by its code a `save` of the startup configuration after every commit; the message is ignored",
                     f"{raised(n) if n.error else 'ok'} ({n.seconds:.2f} s): `commit label napalm-… description compare`, "
                     "no save"))
        o = measure(lambda: old.commit_config(revert_in=60))
        new.load_merge_candidate(config="interface LoopBack10\n")
        n = measure(lambda: new.commit_config(revert_in=60))
        rows.append(("`commit_config(revert_in=60)`", raised(o), "ok: `commit trial 60 …`, reverts by itself unless confirmed"
                     if n.error is None else raised(n)))
        o, n = measure(old.has_pending_commit), measure(new.has_pending_commit)
        rows.append(("`has_pending_commit`", raised(o) if o.error else repr(o.value),
                     raised(n) if n.error else f"{n.value!r} (`display configuration trial status`)"))
        o, n = measure(old.confirm_commit), measure(new.confirm_commit)
        rows.append(("`confirm_commit`", raised(o) if o.error else "ok",
                     raised(n) if n.error else "ok: plain `commit` in the same session, verified INACTIVE"))
        intended = intended_config("PE1", load_intent(INVENTORY)).text
        route = next(ln for ln in intended.splitlines() if ln.startswith("ip route-static"))
        replacement = intended.replace(route + "\n", "")  # the intended configuration without its static route
        o = measure(lambda: old.load_replace_candidate(config=replacement))
        oc = measure(old.compare_config)
        n = measure(lambda: new.load_replace_candidate(config=replacement))
        nc = measure(new.compare_config)
        changes = [ln for ln in (nc.value or "").splitlines() if ln.startswith(("+", "-"))]
        rows.append(("`load_replace_candidate` (PE1's intended configuration without its static route)",
                     f"returns `{o.value!r}` and does nothing (compare_config still shows the merge buffer: "
                     f"{short(oc.value or '', 40)!r})",
                     (raised(n) if n.error else f"within the managed scope: the router's diff is {changes!r} "
                      f"({n.seconds:.2f} s); nothing outside the scope is touched")))
        o, n = measure(old.discard_config), measure(new.discard_config)
        rows.append(("`discard_config`", "clears the Python buffer" if o.error is None else raised(o),
                     "`clear configuration candidate`" if n.error is None else raised(n)))
        o = measure(old.rollback)
        n = measure(new.rollback)
        rows.append(("`rollback`", f"returns `{o.value!r}` (no commit of its own succeeded); by its code "
                     "`rollback configuration to file <backup>` + `save`" if o.error is None else raised(o),
                     "ok: `rollback configuration to commit-id …` of the commit before its last one, verified against the "
                     "configuration read before that commit" if n.error is None else raised(n)))
        bad = "interface LoopBack11\n ip address 300.1.1.1 32\n"
        o = measure(lambda: (old.load_merge_candidate(config=bad), old.compare_config()))
        n = measure(lambda: new.load_merge_candidate(config=bad))
        rows.append(("a line the router rejects", "accepted by load (never sent); its compare shows it as a change: "
                     + repr(short(o.value[1] if o.value else "", 50)), raised(n)))
        old.close()
        new.close()
    table = ["| operation | napalm-huawei-vrp 1.2.0 | huawei_vrp8 (this driver) |", "|---|---|---|"]
    table += [f"| {op} | {a} | {b} |" for op, a, b in rows]
    print("\n".join(table))


if __name__ == "__main__":
    main()
