"""The scheduling examples: systemd units that verify, a cron line that runs the same command."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRIB = ROOT / "contrib"
SERVICE = CONTRIB / "systemd" / "vrpbook-check.service"
TIMER = CONTRIB / "systemd" / "vrpbook-check.timer"
CRON = CONTRIB / "cron" / "vrpbook-check"
CREDENTIALS = CONTRIB / "credentials.example"

#: The keys these units may use, per section (systemd.unit, .service, .exec, .timer).
ALLOWED = {
    "Unit": {"Description", "Documentation", "Wants", "After", "Requires", "OnFailure"},
    "Service": {"Type", "User", "Group", "Environment", "StateDirectory", "ExecStart", "TimeoutStartSec",
                "NoNewPrivileges", "PrivateTmp", "ProtectSystem", "ProtectHome", "ReadWritePaths"},
    "Timer": {"OnCalendar", "RandomizedDelaySec", "AccuracySec", "Persistent", "Unit"},
    "Install": {"WantedBy"},
}


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None, delimiters=("=",), comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive in systemd
    parser.read_string(path.read_text(), source=str(path))
    return parser


def _exec_start() -> list[str]:
    return shlex.split(_unit(SERVICE)["Service"]["ExecStart"])


def _cron_line() -> tuple[list[str], str, str]:
    lines = [ln for ln in CRON.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    jobs = [ln for ln in lines if not re.match(r"^[A-Z_]+=", ln)]
    assert len(jobs) == 1, jobs
    fields = jobs[0].split(None, 6)
    return fields[:5], fields[5], fields[6]


def _parse_check(path: Path) -> None:
    unit = _unit(path)
    for section in unit.sections():
        assert section in ALLOWED, f"{path.name}: unknown section [{section}]"
        unknown = set(unit[section]) - ALLOWED[section]
        assert not unknown, f"{path.name}: unknown keys in [{section}]: {unknown}"


def test_units_parse_with_known_sections_and_keys():
    for path in (SERVICE, TIMER):
        _parse_check(path)
    service, timer = _unit(SERVICE), _unit(TIMER)
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["Environment"] == "XDG_STATE_HOME=/var/lib"
    assert re.fullmatch(r"\*:0/\d+", timer["Timer"]["OnCalendar"])
    assert timer["Install"]["WantedBy"] == "timers.target"
    argv = _exec_start()
    assert Path(argv[0]).is_absolute() and argv[1] == "check"
    for flag in ("--inventory", "--json", "--junit", "--html", "--metrics", "--history", "--wait"):
        assert flag in argv
    assert argv[argv.index("--credentials") + 1] == "/etc/vrpbook/credentials"
    assert not any("PASSWORD" in a or "password" in a for a in argv)  # credentials never on a command line


def test_units_verify(tmp_path):
    """``systemd-analyze verify`` where systemd is installed, with the executable pointed at this
    checkout's console script (verify insists the binary exists); else the parse check above."""
    analyze = shutil.which("systemd-analyze")
    vrpbook = shutil.which("vrpbook") or str(Path(sys.executable).with_name("vrpbook"))
    units = []
    for src in (SERVICE, TIMER):
        dst = tmp_path / src.name
        dst.write_text(src.read_text().replace(_exec_start()[0], vrpbook))
        units.append(dst)
    if analyze is None:
        for unit in units:
            _parse_check(unit)
        return
    proc = subprocess.run([analyze, "verify", "--man=no", *map(str, units)], check=False, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    ours = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "vrpbook-check" in ln]
    assert proc.returncode == 0 and not ours, proc.stdout + proc.stderr
    # and verify does catch a slip in these files (the test can fail)
    bad = tmp_path / "vrpbook-check.timer"
    bad.write_text(TIMER.read_text().replace("OnCalendar=*:0/15", "OnCalendar=every quarter hour"))
    proc = subprocess.run([analyze, "verify", "--man=no", str(bad)], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 or "calendar" in proc.stderr


def test_cron_runs_the_units_command_line_word_for_word():
    schedule, user, command = _cron_line()
    assert user == _unit(SERVICE)["Service"]["User"]
    assert all(re.fullmatch(r"(\*|\d+)(/\d+)?|\d+(-\d+)?(,\d+(-\d+)?)*", f) for f in schedule), schedule
    assert "%" not in command  # cron turns % into a newline
    assert shlex.split(command) == _exec_start()
    env = dict(ln.split("=", 1) for ln in CRON.read_text().splitlines() if re.match(r"^[A-Z_]+=", ln))
    assert env["XDG_STATE_HOME"] == _unit(SERVICE)["Service"]["Environment"].split("=", 1)[1]  # one lock file


def test_credentials_example_is_what_vrpbook_reads(tmp_path):
    from vrpbook.credentials import read_credentials_file

    for line in CREDENTIALS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"VRPBOOK_[A-Z]+='[^']*'", line), line
    creds = tmp_path / "credentials"
    shutil.copy(CREDENTIALS, creds)
    creds.chmod(0o600)
    assert (read_credentials_file(creds).username, read_credentials_file(creds).password) == ("netops-ro", "change-me")
