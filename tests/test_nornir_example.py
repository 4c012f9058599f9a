"""The plain-Nornir example of tasks/README.md, run exactly as written against the twin
over SSH (only the inventory path is pointed at a copy with the running lab's ports)."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from vrpbook.paths import PROJECT_ROOT

pytestmark = pytest.mark.lab


def _example() -> str:
    text = (PROJECT_ROOT / "tasks" / "README.md").read_text()
    m = re.search(r"<!-- nornir-example -->\n```python\n(.*?)```", text, re.S)
    assert m, "tasks/README.md has no nornir-example block"
    return m.group(1)


def test_plain_nornir_example_pushes_commits_gates_and_confirms(lab, tmp_path, capsys):
    inv = tmp_path / "inventory"
    shutil.copytree(PROJECT_ROOT / "inventory" / "lab", inv)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    for name, spec in hosts.items():
        spec["hostname"], spec["port"] = lab.address(name)
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))

    code = _example()
    assert 'INVENTORY = Path("inventory/lab")' in code
    code = code.replace('INVENTORY = Path("inventory/lab")', f"INVENTORY = Path({str(inv)!r})")
    exec(compile(code, "tasks/README.md", "exec"), {"__name__": "nornir_example"})

    out = capsys.readouterr().out
    assert out.rstrip().endswith("confirmed"), out
    assert "PE1: changed=True" in out and "+ sysname PE1" in out  # the router's own diff
    assert "PE1: pass OSPF routes to every other loopback" in out
    for name in hosts:
        assert lab.running_config(name).sysname == name  # committed and confirmed
