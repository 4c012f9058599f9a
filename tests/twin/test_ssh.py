"""Over real SSH: netmiko's stock driver, byte handling, garbage, concurrency."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

import asyncssh
import netmiko
import paramiko
import pytest

pytestmark = pytest.mark.lab


def _round_trip(lab, router: str) -> None:
    conn = netmiko.ConnectHandler(**lab.netmiko_params(router))
    try:
        assert conn.base_prompt == "HUAWEI"
        out = conn.send_command("display current-configuration")
        assert "sysname HUAWEI" in out and out.rstrip().endswith("return")
        out = conn.send_config_set(
            ["interface loopback 9", f"description twin {router}", "ip address 9.9.9.9 32"], exit_config_mode=False
        )
        assert "Error" not in out
        assert "[*HUAWEI-LoopBack9]" in out
        out = conn.commit()  # netmiko sends plain "commit" without a comment
        assert "Error" not in out
        assert conn.save_config().count("Info: Save the configuration successfully.") == 1
        assert "ip address 9.9.9.9 255.255.255.255" in conn.send_command("display saved-configuration")
    finally:
        conn.disconnect()
    cfg = lab.running_config(router)
    assert str(cfg.interfaces["LoopBack9"].address) == "9.9.9.9/32"
    assert cfg.interfaces["LoopBack9"].description == f"twin {router}"


def test_netmiko_stock_driver_round_trip_on_every_router(lab) -> None:
    """send_command, send_config_set(exit_config_mode=False), commit(),
    save_config(), disconnect(); the five routers in parallel because
    netmiko's own idle timers cost ~14 s per router."""
    with ThreadPoolExecutor(max_workers=5) as pool:
        for fut in [pool.submit(_round_trip, lab, r) for r in ["PE1", "PE2", "PE3", "CE1", "CE2"]]:
            fut.result()


def _raw(lab, name):
    """A raw paramiko shell for byte-level checks."""
    host, port = lab.address(name)
    user, password = lab.credentials
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(host, port=port, username=user, password=password, look_for_keys=False, allow_agent=False)
    chan = client.invoke_shell(term="vt100", width=511, height=1000)
    return client, chan


def _read_until(chan, suffix: bytes, timeout: float = 5.0) -> bytes:
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if chan.recv_ready():
            buf += chan.recv(65536)
            if buf.endswith(suffix):
                return buf
        else:
            time.sleep(0.002)
    raise TimeoutError(buf[-300:])


def test_login_banner_enter_variants_nul_and_ctrl_z(lab) -> None:
    client, chan = _raw(lab, "PE1")
    client2, chan2 = _raw(lab, "PE1")
    try:
        banner = _read_until(chan, b"<HUAWEI>")
        assert banner == b"Info: The max number of VTY users is 21, the number of current VTY users online is 1.\r\n<HUAWEI>"
        assert _read_until(chan2, b"<HUAWEI>").startswith(b"Info: The max number of VTY users is 21, the number of current VTY users online is 2.")
        chan.send(b"\r\n")  # one Enter, not two
        assert _read_until(chan, b"<HUAWEI>") == b"\r\n<HUAWEI>"
        chan.send(b"\n")
        assert _read_until(chan, b"<HUAWEI>") == b"\r\n<HUAWEI>"
        chan.send(b"sys\x00tem-view\r")  # NUL ignored silently
        assert _read_until(chan, b"[~HUAWEI]") == (
            b"system-view\r\nEnter system view, return user view with return command.\r\n[~HUAWEI]"
        )
        chan.send(b"sysname ZZ\r\n")
        assert _read_until(chan, b"[*HUAWEI]") == b"sysname ZZ\r\n[*HUAWEI]"
        chan.send(b"\x1a")  # Ctrl+Z = return: dirty candidate -> Y/N/C question
        out = _read_until(chan, b"[Y(yes)/N(no)/C(cancel)]:")
        assert out == b"\r\nWarning: Uncommitted configurations found, commit them before exiting? [Y(yes)/N(no)/C(cancel)]:"
        chan.send(b"n\r")
        assert _read_until(chan, b"<HUAWEI>") == b"n\r\n<HUAWEI>"
        chan.send(b"dis\x7fsplay versiox\x08n\n")  # backspace editing
        out = _read_until(chan, b"<HUAWEI>")
        assert b"Huawei Versatile Routing Platform Software" in out
        assert b"HUAWEI NE40E uptime is" in out
        chan.send(b"quit\n")
        _read_until(chan, b"quit\r\n")
        deadline = time.monotonic() + 5
        while not chan.exit_status_ready() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert chan.exit_status_ready()
    finally:
        client.close()
        client2.close()


def test_garbage_never_kills_the_server(lab) -> None:
    rng = random.Random(1234)
    client, chan = _raw(lab, "CE2")
    try:
        _read_until(chan, b"<HUAWEI>")
        for i in range(100):
            kind = i % 4
            if kind == 0:
                line = bytes(rng.randrange(0x20, 0x100) for _ in range(rng.randrange(1, 200)))
            elif kind == 1:
                line = b"x" * 10240
            elif kind == 2:
                line = bytes(rng.choice([0x01, 0x02, 0x1b, 0x07, 0x09, 0x41, 0x5b, 0x7e]) for _ in range(50))
            else:
                line = bytes(rng.randrange(0x21, 0x7F) for _ in range(rng.randrange(1, 80)))
            line = line.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x1a", b"")
            chan.send(line + b"\n")
            out = _read_until(chan, b">", timeout=10)
            assert out.endswith(b"<HUAWEI>") or out.endswith(b"]") or b"Error" in out
            if not out.endswith(b"<HUAWEI>"):  # a command happened to change the view: go back
                chan.send(b"\x1a")
                _read_until(chan, b"<HUAWEI>")
    finally:
        client.close()
    # the server still serves a fresh session
    conn = netmiko.ConnectHandler(**lab.netmiko_params("CE2"))
    try:
        assert conn.find_prompt() == "<HUAWEI>"
    finally:
        conn.paramiko_cleanup()


def test_bad_password_is_refused(lab) -> None:
    host, port = lab.address("PE1")
    with pytest.raises(netmiko.NetmikoAuthenticationException):
        netmiko.ConnectHandler(**{**lab.netmiko_params("PE1"), "password": "wrong"})


def test_host_key_matches_known_hosts(lab) -> None:
    host, port = lab.address("PE3")
    known = lab.known_hosts_path.read_text().splitlines()
    assert len(known) == 5
    entry = next(line for line in known if line.startswith(f"[{host}]:{port} "))
    client = paramiko.SSHClient()
    client.load_host_keys(str(lab.known_hosts_path))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    user, password = lab.credentials
    client.connect(host, port=port, username=user, password=password, look_for_keys=False, allow_agent=False)
    try:
        assert client.get_transport().get_remote_server_key().get_base64() == entry.split()[2]
    finally:
        client.close()
    assert asyncssh.import_public_key(" ".join(entry.split()[1:3]))


def test_two_concurrent_sessions(lab, vty) -> None:
    a = vty(lab, "PE2")
    b = vty(lab, "PE2")
    a.send("system-view")
    b.send("system-view")
    a.send("interface loopback 1")
    b.send("interface loopback 2")
    a.send("ip address 1.1.1.1 32")
    b.send("ip address 2.2.2.2 32")
    a.send("commit")
    b.send("commit")
    cfg = lab.running_config("PE2")
    assert {"LoopBack1", "LoopBack2"} <= set(cfg.interfaces)
    lines = a.send("display current-configuration | include ip address")
    assert lines == [" ip address 1.1.1.1 255.255.255.255", " ip address 2.2.2.2 255.255.255.255"]
