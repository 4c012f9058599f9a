"""The driver's configuration API over SSH against twin routers: load, the router's diff,
discard, commit (plain and trial), confirm, verified rollback, per-line errors, no implicit save.

Each test boots its own factory-fresh lab (``lab`` / ``lab_factory``); trial timers are
scaled (``trial_time_scale``) so a 60 s trial lasts well under a second.
"""

from __future__ import annotations

import time

import napalm
import pytest
from napalm.base.exceptions import CommandErrorException, CommitConfirmException, CommitError, MergeConfigException

pytestmark = pytest.mark.lab

LOOPBACK = "interface LoopBack9\n description napalm test\n ip address 9.9.9.9 255.255.255.255\n"


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_get_network_driver_finds_it_and_opens_a_lab_router(lab, drivers):
    cls = napalm.get_network_driver("huawei_vrp8")
    assert cls.__name__ == "HuaweiVRP8Driver" and cls.__module__ == "napalm_huawei_vrp8.driver"
    driver = drivers(lab, "PE1")
    assert driver.is_alive() == {"is_alive": True}
    assert driver.cli(["display configuration trial status"])["display configuration trial status"].startswith("Trial status")
    driver.close()
    assert driver.is_alive() == {"is_alive": False}


def test_merge_shows_the_routers_own_diff_and_commits_without_saving(lab, drivers):
    driver = drivers(lab, "PE1")
    assert driver.compare_config() == ""
    driver.load_merge_candidate(config=LOOPBACK + "#\nbgp 100\n router-id 9.9.9.9\n#\nip route-static 9.9.9.0 24 11.11.11.2\n")
    diff = driver.compare_config()
    assert diff.startswith("Building configuration")
    for line in ("+ interface LoopBack9", "+  description napalm test", "+ bgp 100", "+  router-id 9.9.9.9",
                 "+ ip route-static 9.9.9.0 255.255.255.0 11.11.11.2"):
        assert line in diff.splitlines(), (line, diff)
    assert lab.running_config("PE1").interfaces.get("LoopBack9") is None  # nothing committed yet
    driver.commit_config(message="napalm merge test")
    assert driver.compare_config() == "" and not driver.has_pending_commit()
    running = driver.get_config(retrieve="running")["running"]
    assert " description napalm test" in running and "ip route-static 9.9.9.0 255.255.255.0 11.11.11.2" in running
    commits = driver.cli(["display configuration commit list verbose"])["display configuration commit list verbose"]
    assert "Description: napalm merge test" in commits and "Label: napalm-" in commits
    # no implicit save: the startup configuration is still the factory one (never saved)
    assert driver.get_config(retrieve="startup")["startup"] == ""


def test_an_indented_text_climbs_back_so_undo_lines_run_in_system_view(lab, drivers):
    """`undo` commands do not fall through to parent views: after a dedent the loader
    quits back to where top-level lines belong (a flat script is typed as written)."""
    driver = drivers(lab, "PE1")
    driver.load_merge_candidate(config="ip route-static 9.9.9.0 24 11.11.11.2\n" + LOOPBACK)
    driver.commit_config()
    driver.load_merge_candidate(config=LOOPBACK.replace("napalm test", "changed") + "#\nundo ip route-static 9.9.9.0 24 11.11.11.2\n")
    diff = driver.compare_config()
    assert "- ip route-static 9.9.9.0 255.255.255.0 11.11.11.2" in diff and "+  description changed" in diff
    driver.discard_config()
    flat = "interface LoopBack9\ndescription flat\nquit\nundo ip route-static 9.9.9.0 24 11.11.11.2\n"
    driver.load_merge_candidate(config=flat)
    assert "+  description flat" in driver.compare_config()
    driver.discard_config()
    assert driver.compare_config() == ""


def test_merge_from_a_file(lab, drivers, tmp_path):
    path = tmp_path / "snippet.cfg"
    path.write_text("#\n" + LOOPBACK + "#\nreturn\n")
    driver = drivers(lab, "PE2")
    driver.load_merge_candidate(filename=str(path))
    assert "+ interface LoopBack9" in driver.compare_config()
    driver.discard_config()


def test_a_rejected_line_discards_the_candidate_and_quotes_the_router(lab, drivers):
    driver = drivers(lab, "PE1")
    with pytest.raises(MergeConfigException) as err:
        driver.load_merge_candidate(config=LOOPBACK + "#\nip route-static 9.9.9.0 24 NULL0\n")
    text = str(err.value)
    assert "line 5 'ip route-static 9.9.9.0 24 NULL0'" in text
    assert "Error: Wrong parameter found at '^' position." in text and "at 'NULL0'" in text
    assert "candidate discarded" in text
    assert driver.compare_config() == ""  # the LoopBack9 lines before it are gone too
    with pytest.raises(MergeConfigException, match="The static route does not exist"):
        driver.load_merge_candidate(config="undo ip route-static 1.1.1.1 32 1.2.3.4\n")
    with pytest.raises(MergeConfigException, match="commit_config commits"):
        driver.load_merge_candidate(config=LOOPBACK + "commit\n")
    with pytest.raises(MergeConfigException, match="filename or a config"):
        driver.load_merge_candidate()
    assert lab.running_config("PE1").interfaces.get("LoopBack9") is None


def test_commit_of_an_unchanged_candidate_commits_nothing(lab, drivers):
    driver = drivers(lab, "PE1")
    driver.load_merge_candidate(config="sysname HUAWEI\n")  # the factory name: no change
    assert driver.compare_config() == ""
    driver.commit_config()
    assert driver.cli(["display configuration commit list verbose"])["display configuration commit list verbose"] == ""
    with pytest.raises(CommitError, match="committed nothing"):
        driver.rollback()


def test_revert_in_without_confirm_reverts_by_itself(lab_factory, drivers):
    lab = lab_factory(trial_time_scale=0.01)  # a 60 s trial lasts 0.6 s
    driver = drivers(lab, "PE1")
    driver.load_merge_candidate(config=LOOPBACK)
    driver.commit_config(message="trial", revert_in=60)
    assert driver.has_pending_commit()
    assert lab.running_config("PE1").interfaces["LoopBack9"].description == "napalm test"
    with pytest.raises(CommitError, match="trial commit is pending"):
        driver.load_merge_candidate(config="interface LoopBack10\n")
        driver.commit_config()
    driver.discard_config()
    wait_until(lambda: not driver.has_pending_commit())
    assert "LoopBack9" not in lab.running_config("PE1").interfaces
    with pytest.raises(CommitError, match="no trial commit is pending"):
        driver.confirm_commit()
    driver.rollback()  # already reverted by VRP: nothing left to do, and nothing done
    assert "LoopBack9" not in lab.running_config("PE1").interfaces


def test_revert_in_with_confirm_stays(lab_factory, drivers):
    lab = lab_factory(trial_time_scale=0.01)  # a 60 s trial would revert after 0.6 s
    driver = drivers(lab, "PE1")
    driver.load_merge_candidate(config=LOOPBACK)
    driver.commit_config(message="trial", revert_in=60)
    driver.confirm_commit()
    assert not driver.has_pending_commit()
    time.sleep(1.0)  # well past the scaled 60 s: a revert would have happened by now
    assert lab.running_config("PE1").interfaces["LoopBack9"].description == "napalm test"


def test_revert_in_outside_vrps_trial_range_is_refused_before_anything_is_sent(lab, drivers):
    driver = drivers(lab, "PE1")
    driver.load_merge_candidate(config=LOOPBACK)
    for seconds in (30, 65536):
        with pytest.raises(CommitConfirmException, match="60-65535"):
            driver.commit_config(revert_in=seconds)
    assert "+ interface LoopBack9" in driver.compare_config()  # the candidate is kept
    with pytest.raises(CommitError, match="1-60 printable"):
        driver.commit_config(message="x" * 61)
    assert not driver.has_pending_commit() and "LoopBack9" not in lab.running_config("PE1").interfaces
    driver.discard_config()


def test_confirm_refuses_to_commit_a_loaded_candidate_with_the_trial(lab_factory, drivers):
    lab = lab_factory(trial_time_scale=1.0)
    driver = drivers(lab, "PE1")
    driver.load_merge_candidate(config=LOOPBACK)
    driver.commit_config(revert_in=600)
    driver.load_merge_candidate(config="interface LoopBack10\n")
    with pytest.raises(CommitError, match="confirming would commit too"):
        driver.confirm_commit()
    driver.discard_config()
    driver.confirm_commit()
    assert not driver.has_pending_commit() and "LoopBack10" not in lab.running_config("PE1").interfaces


def test_a_trial_of_another_session_is_neither_confirmed_nor_aborted(lab, drivers):
    other, mine = drivers(lab, "PE1"), drivers(lab, "PE1")
    other.load_merge_candidate(config=LOOPBACK)
    other.commit_config(revert_in=600)
    assert mine.has_pending_commit()
    with pytest.raises(CommitError, match="another session"):
        mine.confirm_commit()
    assert other.has_pending_commit()
    other.rollback()
    assert not mine.has_pending_commit() and "LoopBack9" not in lab.running_config("PE1").interfaces


def test_rollback_returns_to_the_commit_before_the_drivers_last_one_verified(lab, drivers):
    driver = drivers(lab, "PE1")
    driver.load_merge_candidate(config=LOOPBACK)
    driver.commit_config(message="first")
    first = driver.get_config(retrieve="running")["running"]
    driver.load_merge_candidate(config="interface LoopBack9\n description second\n#\ninterface LoopBack10\n")
    driver.commit_config(message="second")
    driver.rollback()
    after = driver.get_config(retrieve="running")["running"]
    assert _body(after) == _body(first)
    commits = driver.cli(["display configuration commit list verbose"])["display configuration commit list verbose"]
    assert commits.startswith("1) CommitId: 1000000003") and "Type: ROLLBACK" in commits.split("\n\n")[0]
    driver.rollback()  # then the first commit: back to factory ("rollback configuration last 1")
    assert "LoopBack9" not in lab.running_config("PE1").interfaces
    with pytest.raises(CommitError, match="committed nothing"):
        driver.rollback()


def test_rollback_refuses_to_undo_another_sessions_later_commit(lab, drivers):
    mine, other = drivers(lab, "PE1"), drivers(lab, "PE1")
    mine.load_merge_candidate(config=LOOPBACK)
    mine.commit_config()
    other.load_merge_candidate(config="interface LoopBack10\n")
    other.commit_config()
    with pytest.raises(CommitError, match="another session committed"):
        mine.rollback()
    assert {"LoopBack9", "LoopBack10"} <= set(lab.running_config("PE1").interfaces)


def test_save_only_when_asked(lab, drivers):
    plain = drivers(lab, "PE1")
    plain.load_merge_candidate(config=LOOPBACK)
    plain.commit_config()
    assert plain.get_config(retrieve="startup")["startup"] == ""
    saving = drivers(lab, "PE2", save_after_commit=True)
    saving.load_merge_candidate(config=LOOPBACK)
    saving.commit_config()
    assert " description napalm test" in saving.get_config(retrieve="startup")["startup"]
    plain.save_config()
    assert " description napalm test" in plain.get_config(retrieve="startup")["startup"]


def test_get_config_candidate_and_sanitized(lab, drivers):
    driver = drivers(lab, "PE1")
    assert driver.get_config(retrieve="candidate") == {"running": "", "startup": "", "candidate": ""}
    driver.load_merge_candidate(config=LOOPBACK)
    candidate = driver.get_config(retrieve="candidate")["candidate"]
    assert candidate.splitlines()[:2] == ["interface LoopBack9", " description napalm test"]
    driver.discard_config()
    assert driver.get_config(sanitized=True)["running"].endswith("return")


def _body(config: str) -> str:
    """The configuration without the ``!`` header (it carries the time of the last change)."""
    return "\n".join(ln for ln in config.splitlines() if not ln.startswith("!"))


def test_cli_text_json_and_refusals(lab, drivers):
    driver = drivers(lab, "PE1")
    brief = driver.cli(["display interface brief"], encoding="json")["display interface brief"]
    assert [row["interface"] for row in brief["interfaces"]][:3] == [
        "GigabitEthernet0/1/0", "GigabitEthernet0/2/0", "GigabitEthernet0/3/0"]
    with pytest.raises(CommandErrorException, match="Unrecognized command"):
        driver.cli(["display nonsense"])
    with pytest.raises(CommandErrorException, match="unexpected question"):
        driver.cli(["save"])  # a question is answered "no", never "yes"
    assert driver.get_config(retrieve="startup")["startup"] == ""
    assert driver.cli(["display esn"], encoding="json")["display esn"]["boards"][0]["board"] == "master"
    with pytest.raises(CommandErrorException, match="could not be read"):  # no parser for this display
        driver.cli(["display configuration candidate changes"], encoding="json")
    with pytest.raises(NotImplementedError):
        driver.cli(["display version"], encoding="xml")
