"""Production credentials from an owner-only file, host keys verified; login pacing."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
import yaml

from vrpbook.compliance.pacing import LoginPacer
from vrpbook.credentials import CredentialsFileError, read_credentials_file
from vrpbook.paths import PROJECT_ROOT


def _creds(path, mode=0o600, text="VRPBOOK_USERNAME='netops-ro'\nVRPBOOK_PASSWORD='pa ss#word'  # comment\n"):
    path.write_text(text)
    path.chmod(mode)
    return path


def test_an_owner_only_file_gives_the_credentials(tmp_path):
    creds = read_credentials_file(_creds(tmp_path / "credentials"))
    assert (creds.username, creds.password) == ("netops-ro", "pa ss#word")
    assert "pa ss" not in repr(creds)
    creds = read_credentials_file(_creds(tmp_path / "c2", text="export VRPBOOK_USERNAME=u\nexport VRPBOOK_PASSWORD=p\n"))
    assert (creds.username, creds.password) == ("u", "p")


@pytest.mark.parametrize(("mode", "text", "expected"), [
    (0o640, None, "readable or writable by group or others (mode 0640); chmod 600"),
    (0o604, None, "readable or writable by group or others (mode 0604)"),
    (0o600, "VRPBOOK_USERNAME=u\n", "no VRPBOOK_PASSWORD"),
    (0o600, "VRPBOOK_USERNAME='u\n", "line 1: unbalanced quotes"),
    (0o600, "just a line\n", "line 1: expected NAME=VALUE"),
])
def test_a_file_others_could_read_or_a_bad_line_is_refused_in_one_line(tmp_path, mode, text, expected):
    path = _creds(tmp_path / "credentials", mode, text or "VRPBOOK_USERNAME=u\nVRPBOOK_PASSWORD=secret\n")
    with pytest.raises(CredentialsFileError) as err:
        read_credentials_file(path)
    assert str(err.value).startswith(f"credentials file {path}: ") and expected in str(err.value)
    assert "secret" not in str(err.value) and "\n" not in str(err.value)


def test_a_file_owned_by_someone_else_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give the file away")
    path = _creds(tmp_path / "credentials")
    os.chown(path, 4242, 4242)
    with pytest.raises(CredentialsFileError, match="owned by uid 4242, not by the user running vrpbook"):
        read_credentials_file(path)


def test_a_symlink_or_a_directory_is_refused(tmp_path):
    real = _creds(tmp_path / "real")
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(CredentialsFileError, match="a symbolic link"):
        read_credentials_file(tmp_path / "link")
    (tmp_path / "dir").mkdir(mode=0o700)
    with pytest.raises(CredentialsFileError, match="not a regular file"):
        read_credentials_file(tmp_path / "dir")


def _production(check_lab, name, known_hosts):
    """production-example pointed at the running lab: the lab's ports, its known_hosts."""
    inv = check_lab.tmp / name
    shutil.copytree(PROJECT_ROOT / "inventory" / "production-example", inv)
    hosts = yaml.safe_load((inv / "hosts.yaml").read_text())
    for host in hosts:
        hosts[host]["port"] = check_lab.running.address(host)[1]
    (inv / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    defaults = yaml.safe_load((inv / "defaults.yaml").read_text())
    defaults["data"]["known_hosts"] = str(known_hosts)
    defaults["data"]["intent_from"] = str(PROJECT_ROOT / "inventory" / "lab")
    (inv / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    return inv


@pytest.mark.lab
def test_a_production_inventory_checks_with_the_file_and_verified_host_keys(check_lab, monkeypatch):
    monkeypatch.delenv("VRPBOOK_USERNAME", raising=False)
    monkeypatch.delenv("VRPBOOK_PASSWORD", raising=False)
    user, password = check_lab.running.credentials
    creds = _creds(check_lab.tmp / "credentials", text=f"VRPBOOK_USERNAME={user}\nVRPBOOK_PASSWORD='{password}'\n")
    prod = _production(check_lab, "prod", check_lab.running.known_hosts_path)
    res, doc = check_lab.check_json("--credentials", str(creds), inventory=prod)
    assert res.exit_code == 0, res.output
    assert password not in res.output and password not in (check_lab.tmp / "report-0.json").read_text()
    # the same file, readable by the group: refused before connecting
    creds.chmod(0o640)
    res = check_lab.check("--credentials", str(creds), inventory=prod)
    assert res.exit_code == 2 and "chmod 600" in res.output and "Traceback" not in res.output
    # through the environment variable, with a known_hosts of other keys: every router is
    # "could not check" (host key), the run says so, exit 2
    creds.chmod(0o600)
    wrong = check_lab.tmp / "known_hosts"
    wrong.write_text("".join(f"[127.0.0.1]:{check_lab.running.address(h)[1]} ssh-ed25519 "
                             "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
                             for h in ("PE1", "PE2", "PE3", "CE1", "CE2")))
    monkeypatch.setenv("VRPBOOK_CREDENTIALS", str(creds))
    res, doc = check_lab.check_json(inventory=_production(check_lab, "prod2", wrong))
    assert res.exit_code == 2, res.output
    assert doc["counts"]["error"] == doc["counts"]["total"] > 0
    assert all("host key" in r["message"].lower() for r in doc["results"])


def test_the_pacer_spaces_logins_and_never_bursts():
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)

    pacer = LoginPacer(4.0, clock=lambda: now[0], sleep=sleep)
    waits = [pacer.wait() for _ in range(5)]
    assert waits == [0.0, 0.25, 0.5, 0.75, 1.0] and slept == [0.25, 0.5, 0.75, 1.0]
    now[0] = 10.0  # idle for a while: the next login goes at once, the one after waits again
    assert pacer.wait() == 0.0 and pacer.wait() == 0.25
    assert LoginPacer(0).wait() == 0.0


def test_the_pacer_is_shared_safely_by_worker_threads():
    """Twenty threads at one instant get twenty distinct slots, 1/rate apart (clock held still)."""
    waits: list[float] = []
    lock = threading.Lock()
    pacer = LoginPacer(1000.0, clock=lambda: 5.0, sleep=lambda s: None)
    barrier = threading.Barrier(20)

    def worker() -> None:
        barrier.wait()
        w = pacer.wait()
        with lock:
            waits.append(w)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == pytest.approx([k / 1000 for k in range(20)])
