"""Two-stage commit over SSH: sessions, exit dialog, history, rollback, trial,
lock, refused commits, save and restart."""

from __future__ import annotations

import time

import pytest

from vrpbook.twin.config.render import render_body
from vrpbook.lab import boot_lab

pytestmark = pytest.mark.lab

ERR = "Error: "


def test_uncommitted_changes_are_invisible_to_another_session(lab, vty) -> None:
    a, b = vty(lab, "PE1"), vty(lab, "PE1")
    a.run("system-view", "interface loopback 5", "ip address 5.5.5.5 32")
    assert a.prompt == "[*HUAWEI-LoopBack5]"
    b.send("system-view")
    assert b.prompt == "[~HUAWEI]"
    assert not [ln for ln in b.send("display current-configuration") if "LoopBack5" in ln]
    assert b.send("display configuration candidate changes") == ["Building configuration"]
    assert "LoopBack5" not in lab.running_config("PE1").interfaces
    assert "+ interface LoopBack5" in a.send("display configuration candidate changes")
    a.send("commit")
    assert a.prompt == "[~HUAWEI-LoopBack5]"
    assert [ln for ln in b.send("display current-configuration") if "LoopBack5" in ln] == ["interface LoopBack5"]


def test_exit_dialog_yes_no_cancel(lab, vty) -> None:
    s = vty(lab, "CE1")
    s.run("system-view", "sysname CE1", "interface loopback 1")
    out = s.send("return")
    assert out == [] and s.prompt == (
        "Warning: Uncommitted configurations found, commit them before exiting? [Y(yes)/N(no)/C(cancel)]:"
    )
    assert s.send("maybe") == []  # the error line is the new question prompt
    assert s.prompt == "Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing 'Enter'. [Y/N/C]:"
    s.send("c")
    assert s.prompt == "[*HUAWEI-LoopBack1]"
    s.send("quit")
    s.send("quit")  # quit from system view asks too
    assert s.prompt.endswith("[Y(yes)/N(no)/C(cancel)]:")
    s.send("n")
    assert s.prompt == "<HUAWEI>"
    assert lab.running_config("CE1").sysname == "HUAWEI"
    s.run("system-view", "sysname CE1")
    s.send("return")
    s.send("y")
    assert s.prompt == "<CE1>"
    assert lab.running_config("CE1").sysname == "CE1"


def _configure(s, *lines: str, label: str | None = None) -> None:
    s.run("system-view", *lines)
    out = s.send(f"commit label {label}" if label else "commit")
    assert not [o for o in out if o.startswith(ERR)], out
    s.send("return")


def test_commit_list_and_rollback_restore_exactly(lab, vty) -> None:
    s = vty(lab, "PE3")
    _configure(s, "interface loopback 1", "ip address 4.4.4.4 32")
    after1 = lab.running_config("PE3")
    _configure(s, "ospf", "area 0", "network 4.4.4.4 0.0.0.0", label="with-ospf")
    after2 = lab.running_config("PE3")
    _configure(s, "sysname PE3", "undo interface loopback 1")
    assert lab.running_config("PE3").sysname == "PE3"
    listing = s.send("display configuration commit list verbose")
    assert listing[0] == "1) CommitId: 1000000003"
    assert "        Label: with-ospf" in listing
    assert listing.count("        User-Intf: VTY 0") == 3
    table = s.send("display configuration commit list")
    assert table[3].split()[:3] == ["1", "1000000003", "-"] and table[4].split()[:3] == ["2", "1000000002", "with-ospf"]

    assert s.send("rollback configuration to commit-id 1000000001") == []
    assert s.prompt.endswith("Continue? [Y/N]:")
    out = s.send("y")
    assert out == [
        "Checking changes...", "Loading rollback changes", "Committing", "Check rollback result",
        "Configuration rollback succeeded.",
        "Please use 'display configuration commit changes last 1' to view the changes.",
    ]
    assert s.prompt == "<HUAWEI>"
    assert lab.running_config("PE3") == after1
    changes = s.send("display configuration commit changes last 1")
    assert changes == [
        "Building configuration", "  #", "- sysname PE3", "  #", "+ sysname HUAWEI", "  #",
        "- ospf 1", "-  area 0.0.0.0", "-   network 4.4.4.4 0.0.0.0", "  #",
        "+ interface LoopBack1", "+  ip address 4.4.4.4 255.255.255.255", "  #",
    ]
    verbose = s.send("display configuration commit list verbose")
    assert verbose[:6] == ["1) CommitId: 1000000004", "        Label: -", "        User: vrpbook",
                           "        User-Intf: VTY 0", "        Type: ROLLBACK", verbose[5]]

    s.send("rollback configuration to label with-ospf")
    s.send("y")
    assert lab.running_config("PE3") == after2
    assert render_body(lab.running_config("PE3")) == render_body(after2)
    s.send("rollback configuration last 1")
    s.send("n")  # declined: nothing changes
    assert lab.running_config("PE3") == after2
    s.send("rollback configuration to commit-id 1000000099")
    assert s.prompt == "<HUAWEI>"


def test_trial_commit_reverts_by_itself(lab_factory, vty) -> None:
    # trial time scaled by 0.01: "commit trial 60" lasts 0.6 s
    lab = lab_factory(trial_time_scale=0.01)
    s = vty(lab, "PE1")
    s.run("system-view", "sysname TRIAL")
    out = s.send("commit trial 60")
    assert out == [
        "Committing..done. ",
        "Info: The system enters the trial configuration mode.",
        "The system will revert to previous configuration if the trial configuration is not confirmed in 60 seconds.",
    ]
    assert s.prompt == "[~TRIAL]"
    status = s.send("display configuration trial status")
    assert status[0] == "Trial status:  ACTIVE" and int(status[1].split(":")[1]) in range(1, 61)
    time.sleep(1.0)
    assert lab.running_config("PE1").sysname == "HUAWEI"
    s.send("")
    assert s.prompt == "[~HUAWEI]"
    assert s.send("display configuration trial status") == ["Trial status: INACTIVE ", "Trial time left (sec): 0"]
    types = [ln.strip() for ln in s.send("display configuration commit list verbose") if "Type:" in ln]
    assert types == ["Type: ROLLBACK", "Type: CLI"]


def test_trial_commit_confirmed_in_time_and_abort(lab_factory, vty) -> None:
    lab = lab_factory(trial_time_scale=0.01)
    s = vty(lab, "PE2")
    s.run("system-view", "sysname KEEP")
    s.send("commit trial 60")
    s.send("commit")  # plain commit in the same session confirms
    time.sleep(1.0)
    assert lab.running_config("PE2").sysname == "KEEP"
    s.send("sysname GONE")
    s.send("commit trial 65535")
    assert lab.running_config("PE2").sysname == "GONE"
    s.send("abort trial")
    assert s.prompt == "Warning: The trial configuration will be rolled back. Continue? [Y/N]:"
    assert s.send("y") == ["Info: The trial configuration rollback succeeded."]
    assert s.prompt == "[~KEEP]"
    assert lab.running_config("PE2").sysname == "KEEP"


def test_exclusive_lock(lab, vty) -> None:
    a, b = vty(lab, "CE2"), vty(lab, "CE2")
    a.run("system-view", "configuration exclusive")
    holder = a.send("display configuration-occupied user")
    sid = int(holder[0].split(":")[1])
    assert holder[1:3] == ["User Session Name: VTY 0", "User Name: vrpbook"]
    b.run("system-view", "sysname LOCKED")
    assert b.send("commit") == [f"Error: The configuration is locked by other user. [Session ID = {sid}]"]
    assert b.prompt == "[*HUAWEI]"
    assert lab.running_config("CE2").sysname == "HUAWEI"
    a.close()  # logout releases the lock
    time.sleep(0.2)
    assert b.send("commit") == []
    assert b.prompt == "[~LOCKED]"


@pytest.mark.parametrize(
    ("lines", "needle"),
    [
        (["ip route-static 1.1.1.1 32 10.0.0.1 track bfd-session nosuch"], "nosuch"),
        (["bfd", "quit", "bfd s1 bind peer-ip 10.0.0.1 vpn-instance NOPE"], "NOPE"),
        (["interface GigabitEthernet0/3/0", "ip binding vpn-instance NOPE"], "NOPE"),
        (["interface GigabitEthernet0/1/0", "ip address 10.0.0.1 24", "quit",
          "interface GigabitEthernet0/2/0", "ip address 10.0.0.2 24"], "overlaps"),
    ],
)
def test_refused_commit_changes_nothing(lab, vty, lines, needle) -> None:
    s = vty(lab, "PE1")
    s.send("system-view")
    for line in lines:
        assert not [o for o in s.send(line) if o.startswith(ERR)], line
    before = lab.running_config("PE1")
    out = s.send("commit")
    assert len(out) == 1 and out[0].startswith(ERR) and out[0].endswith(".") and needle in out[0], out
    assert s.prompt.startswith("[*")
    assert lab.running_config("PE1") == before


def test_save_and_restart_preserve_configuration(tmp_path, vty) -> None:
    inventory = "inventory/lab"
    lab = boot_lab(inventory, state_dir=tmp_path, time_scale=0.0)
    with lab.running(ephemeral_ports=True) as running:
        s = vty(running, "PE1")
        s.run(
            "system-view", "sysname PE1", "commit", "ip vpn-instance VPNA", "ipv4-family",
            "route-distinguisher 100:1", "vpn-target 111:1 both", "quit", "quit", "bfd", "quit",
            "interface GigabitEthernet0/3/0", "ip binding vpn-instance VPNA", "ip address 10.1.1.2 24", "quit",
            "bgp 100", "peer 3.3.3.3 as-number 100", "ipv4-family vpn-instance VPNA", "import-route static",
            "quit", "ipv4-family vpnv4", "peer 3.3.3.3 enable", "quit", "quit",
            "bfd pe1_to_ce1 bind peer-ip 10.1.1.1 vpn-instance VPNA interface GigabitEthernet0/3/0 source-ip 10.1.1.2 auto",
            "min-tx-interval 100", "quit",
            "ip route-static vpn-instance VPNA 1.1.1.1 32 10.1.1.1 track bfd-session pe1_to_ce1",
            "commit", "return",
        )
        s.send("save")
        assert s.send("y") == ["Now saving the current configuration to the slot 1 .",
                               "Info: Save the configuration successfully."]
        saved_cfg = running.running_config("PE1")
        shown = s.send("display current-configuration")
        known1 = running.known_hosts_path.read_text()
        s.close()
    assert (tmp_path / "PE1" / "vrpcfg.cfg").exists()
    lab2 = boot_lab(inventory, state_dir=tmp_path, time_scale=0.0)
    with lab2.running(ephemeral_ports=True) as running2:
        assert running2.running_config("PE1") == saved_cfg
        assert running2.running_config("PE2").sysname == "HUAWEI"  # never saved: factory-fresh
        s2 = vty(running2, "PE1")
        assert s2.prompt == "<PE1>"
        again = s2.send("display current-configuration")
        assert again[2:] == shown[2:]
        assert s2.send("display saved-configuration")[2:] == shown[2:]
        known2 = running2.known_hosts_path.read_text()
    # persistent host keys: same key material, ports may differ
    assert [ln.split()[1:] for ln in known1.splitlines()] == [ln.split()[1:] for ln in known2.splitlines()]


def test_route_distinguisher_change_is_refused(lab, vty) -> None:
    s1, s2 = vty(lab, "PE2"), vty(lab, "PE2")
    s1.run("system-view", "ip vpn-instance VPNA", "ipv4-family", "commit")
    s2.run("system-view", "ip vpn-instance VPNA", "ipv4-family")
    assert s2.send("route-distinguisher 2:2") == []  # staged while running has no RD
    s1.run("route-distinguisher 100:2", "commit")
    before = lab.running_config("PE2")
    out = s2.send("commit")  # running now has 100:2: refused at commit
    assert len(out) == 1 and out[0].startswith(ERR) and "100:2" in out[0], out
    assert s2.prompt == "[*HUAWEI-vpn-instance-VPNA-af-ipv4]"
    assert lab.running_config("PE2") == before
    out = s1.send("route-distinguisher 3:3")  # refused at once in the session that sees it
    assert len(out) == 1 and out[0].startswith(ERR), out
    assert s1.prompt == "[~HUAWEI-vpn-instance-VPNA-af-ipv4]"
