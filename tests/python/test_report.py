"""attnlim verify --quick: the report builds (every claim present with a verdict), its HTML renders in headless
Chromium to a non-blank page, and the Markdown and summary.json say what the HTML says. One quick run (about
half a minute on 2 cores) shared by the tests of this file."""
import html
import json
import os
import re
import shutil
import subprocess

import pytest

CLI = os.environ["ATTNLIM_CLI"]
CLAIMS = ["critical-exponent", "locality", "subcritical-bias", "subcritical-gaussian", "critical-law",
          "supercritical-collapse", "heat-equation", "log-n-self-attention", "head-dim-crossover"]
VERDICTS = {"agrees", "disagrees", "pre-asymptotic", "not run"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("verify")
    run = subprocess.run([CLI, "verify", "--quick", "--quiet", "--backend", "cpu", "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return out


def test_every_claim_is_in_the_report_with_a_verdict(report):
    summary = json.loads((report / "summary.json").read_text())
    assert [c["id"] for c in summary["claims"]] == CLAIMS
    for c in summary["claims"]:
        assert c["verdict"] in VERDICTS - {"not run"}, c
        assert c["rule"] and c["command"].startswith(f"attnlim verify --claims {c['id']} --quick")
    assert summary["mode"] == "quick"


def md_cell(text):
    """A table cell as report.md writes it (drivers/report.cpp: markdown_cell)."""
    out = ""
    for ch in text:
        if ch in "|*_\\":
            out += "\\"
        out += "&lt;" if ch == "<" else ch
    return out


def cells(claim_json):
    table = claim_json["table"]
    return [cell for row in table["rows"] for cell in row]


def test_markdown_and_json_agree_with_the_html(report):
    page = html.unescape((report / "report.html").read_text())
    markdown = (report / "report.md").read_text()
    summary = json.loads((report / "summary.json").read_text())
    for entry in summary["claims"]:
        claim = json.loads((report / "claims" / f"{entry['id']}.json").read_text())["claim"]
        assert claim["verdict"] == entry["verdict"]
        # Each section states the same verdict in both formats, and every number of its table appears in both.
        section = page[page.index(f'<section id="{entry["id"]}">'):]
        section = section[:section.index("</section>")]
        assert f">{entry['verdict']}</span>" in section
        md = markdown[markdown.index(f"## {entry['id']}:"):]
        md = md[:md.find("\n## ", 3)] if "\n## " in md[3:] else md
        assert f"**Verdict: {entry['verdict']}.**" in md
        for cell in cells(claim):
            assert f"<td>{cell}</td>" in section, (entry["id"], cell)
            assert f"| {md_cell(cell)} |" in md, (entry["id"], cell)
        # Every Markdown table row has as many cells as the header (an unescaped | would add one).
        columns = len(claim["table"]["header"])
        for line in md.splitlines():
            if line.startswith("|"):
                assert len(re.findall(r"(?<!\\)\|", line)) == columns + 1, (entry["id"], line)
        # The key numbers of summary.json are the ones its tables and rules show.
        assert entry["numbers"] == claim["numbers"]
        if entry["id"] == "critical-exponent":
            for d in (3, 4, 5, 6):
                shown = f"{entry['numbers'][f'd{d}']['exponent']:.4f}"
                assert f"<td>{shown}</td>" in section and f"| {shown} |" in md, (d, shown)
        if "max_abs_z" in entry["numbers"] and entry["numbers"]["max_abs_z"] is not None:
            assert f"{entry['numbers']['max_abs_z']:.2f}" in entry["rule"], entry["id"]
    # Figures: inline SVG in the HTML, files beside the Markdown.
    assert page.count("<svg") == len(CLAIMS)
    for claim_id in CLAIMS:
        assert (report / "figures" / f"{claim_id}.svg").read_text().startswith("<svg")
        assert f"](figures/{claim_id}.svg)" in markdown


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def test_the_html_renders_in_headless_chromium_and_is_not_blank(report, tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (scripts/install-deps.sh installs Debian's chromium where it can)")
    shot = tmp_path / "report.png"
    run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                          f"--screenshot={shot}", "--window-size=1000,2400", f"file://{report / 'report.html'}"],
                         capture_output=True, text=True, timeout=120)
    assert shot.exists(), run.stdout + run.stderr
    import matplotlib.image
    pixels = matplotlib.image.imread(str(shot))
    assert pixels.shape[0] >= 2000 and pixels.shape[1] >= 900
    # Not blank: many distinct colours (text, tables, coloured verdicts, plots), not one background colour.
    flat = (pixels[:, :, :3] * 255).astype(int).reshape(-1, 3)
    distinct = {tuple(p) for p in flat[::97]}
    assert len(distinct) > 20, f"{len(distinct)} colours: the page looks blank"
