"""The HTML page opened in a real headless Chromium: the diagram and a failing check render.

Chromium is Debian's ``chromium`` (``.ci/run`` installs it when missing). It
loads the page from a file with networking off; the page's own
Content-Security-Policy forbids any fetch. The DOM Chromium built is read
back with ``--dump-dom``, and the screenshot's pixels are checked for the
failure colour inside the diagram.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from vrpbook.reporters import html_report
from vrpbook.reporters.diagram import build_diagram
from vrpbook.reporters.header import RunHeader
from vrpbook.reporters.svg import STATUS_COLOUR
from vrpbook_tests_results import (  # type: ignore[import-not-found]
    T0,
    NetworkResults,
    load_topology,
    reference_intents,
    ring_intents,
)

from vrpbook.results import Status

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.fail("headless Chromium is required: apt-get install chromium (.ci/run installs it)")


def _run(page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.iterdir()))}"
    return subprocess.run(
        [_chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True, stdin=subprocess.DEVNULL,
    )


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    def having(self, tag, cls=None, **attrs):
        out = []
        for t, a in self.elements:
            if t != tag or (cls and cls not in a.get("class", "").split()):
                continue
            if all(a.get(f"data-{k}") == v for k, v in attrs.items()):
                out.append(a)
        return out


def _page(tmp_path, intents, results, topology=None):
    header = RunHeader.describe(results, what="default catalog", inventory="inventory/lab", started_at=T0,
                                finished_at=T0 + timedelta(seconds=3.4))
    diagram = build_diagram(intents, results, topology)
    return html_report.write(tmp_path / "report.html", header, results, diagram), diagram


def test_reference_network_with_a_failure_renders(tmp_path):
    intents = reference_intents()
    results = NetworkResults(intents).judge(link_down=("CE1", "GigabitEthernet0/1/0"), unreachable=("CE2",),
                                            stray_lines={"PE1": ["vpn-target 999:1 both"]})
    page, _diagram = _page(tmp_path, intents, results, load_topology())
    source = page.read_text()
    assert "http://" not in source and "https://" not in source and " src=" not in source
    assert "Content-Security-Policy" in source and "<script" not in source

    dom = _Elements()
    dom.feed(_run(page, tmp_path, "--dump-dom").stdout)
    routers = {a["data-router"]: a["data-status"] for a in dom.having("g", "router")}
    assert routers == {"PE1": "fail", "CE1": "fail", "CE2": "error", "PE2": "pass", "PE3": "pass"}
    links = dom.having("g", "link")
    assert len(links) == 6
    assert [(a["data-a"], a["data-b"]) for a in links if a["data-health"] == "down"] == [("PE1", "CE1")]
    bfd = dom.having("g", "bfd")
    assert len(bfd) == 2 and dom.having("g", "bfd", a="CE1", b="PE1", health="down")
    assert len(dom.having("g", "bgp")) == 4
    assert len(dom.having("line")) >= 6 + 2 and len(dom.having("path")) >= 4
    # the failing check, in PE1's table, with observed vs expected
    assert dom.having("tr", "fail", check="bfd-sessions-up", status="fail")
    text = " ".join(dom.text)
    assert "pe1_to_ce1: Down (expected Up)" in text and "unexpected: vpn-target 999:1 both" in text
    sections = [a["data-router"] for a in dom.having("section", "router")]
    assert sections[:2] == ["CE1", "PE1"] and sections[2] == "CE2"  # failures first

    shot = tmp_path / "report.png"
    _run(page, tmp_path, f"--screenshot={shot}", "--window-size=1400,1000")
    image = Image.open(shot).convert("RGB")
    assert image.size == (1400, 1000)
    fail_rgb = tuple(int(STATUS_COLOUR[Status.FAIL][i:i + 2], 16) for i in (1, 3, 5))
    diagram_area = image.crop((40, 150, 1360, 950))
    counts = {rgb: n for n, rgb in diagram_area.getcolors(maxcolors=1 << 20)}
    assert counts.get(fail_rgb, 0) > 1500, "no failed router drawn in the diagram"
    pass_rgb = tuple(int(STATUS_COLOUR[Status.PASS][i:i + 2], 16) for i in (1, 3, 5))
    assert counts.get(pass_rgb, 0) > 1500, "no passing router drawn in the diagram"


def test_forty_routers_inferred_links_render(tmp_path):
    intents = ring_intents(40, prefix="edge-")
    results = NetworkResults(intents).judge(link_down=("edge-17", "GigabitEthernet0/1/0"))
    page, _diagram = _page(tmp_path, intents, results)
    dom = _Elements()
    dom.feed(_run(page, tmp_path, "--dump-dom").stdout)
    assert len(dom.having("g", "router")) == 40 and len(dom.having("g", "link")) == 40
    assert len(dom.having("g", "link", health="down")) == 1
    assert len(dom.having("tr", "fail")) == 2
