"""The two displays the NAPALM driver added parsers for: ``display configuration trial status``
(has_pending_commit) and ``display esn`` (get_facts' serial), in the formats VRP8.md quotes,
failing closed on anything else."""

from __future__ import annotations

import pytest

from vrpbook.parsers import ParseError, ParseErrorKind, parse

INACTIVE = "Trial status: INACTIVE \nTrial time left (sec): 0\n"  # NE40E doc, trailing blank kept
ACTIVE = "Trial status:  ACTIVE\nTrial time left (sec): 51\n"


def test_trial_status_both_states_and_abbreviations():
    assert parse("display configuration trial status", INACTIVE).model_dump() == {
        "prompt": None, "hostname": None, "command": None, "warnings": [],
        "status": "INACTIVE", "active": False, "time_left": 0,
    }
    # "dis conf" is ambiguous since configuration-occupied is supported too (tests/parsers/test_fail_closed.py)
    got = parse("dis configuration tr st", "<PE1>display configuration trial status\n" + ACTIVE + "<PE1>")
    assert (got.active, got.time_left, got.hostname) == (True, 51, "PE1")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Trial status:  ACTIVE\n", ParseErrorKind.STRUCTURE),  # cut before the time line
        (ACTIVE + "Trial status:  ACTIVE\n", ParseErrorKind.STRUCTURE),  # doubled
        ("Trial status:  PENDING\nTrial time left (sec): 5\n", ParseErrorKind.UNKNOWN_LINE),
        ("Trial status:  ACTIVE\nTrial time left (sec): -\n", ParseErrorKind.UNKNOWN_LINE),
        ("Error: Unrecognized command found at '^' position.\n", ParseErrorKind.DEVICE_ERROR),
        ("", ParseErrorKind.EMPTY),
    ],
)
def test_trial_status_fails_closed(text, kind):
    with pytest.raises(ParseError) as err:
        parse("display configuration trial status", text)
    assert err.value.kind == kind


def test_esn_master_and_slots():
    assert parse("display esn", " ESN of master: 2102550AFWP0H6000080\n").model_dump()["boards"] == [
        {"board": "master", "esn": "2102550AFWP0H6000080"}
    ]
    got = parse("display esn", "ESN of slot 1: 2102A\nESN of slot 2: 2102B\n")
    assert [(b.board, b.esn) for b in got.boards] == [("slot 1", "2102A"), ("slot 2", "2102B")]


@pytest.mark.parametrize(
    "text",
    [" ESN of master: 2102A\n ESN of master: 2102A\n", "ESN of master:\n", "Serial: 2102A\n", "Info: not supported.\n"],
)
def test_esn_fails_closed(text):
    with pytest.raises(ParseError):
        parse("display esn", text)
