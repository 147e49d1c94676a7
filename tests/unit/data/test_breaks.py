"""sinstats.data.breaks: the declared breaks, what a comparison crosses, and bad breaks files.

Every planted error must name the file, the entry and the field (and the line), and be a
ConfigError (exit 2 from the command line).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sinstats import cli, data, paths
from sinstats.data.breaks import april_march_year, breaks_path, parse_breaks
from sinstats.errors import ConfigError
from sinstats.periods import parse_period

TEXT = paths.breaks_file().read_text(encoding="utf-8")


def _doc() -> dict[str, object]:
    doc = yaml.safe_load(TEXT)
    assert isinstance(doc, dict)
    return doc


def _with(index: int, **changes: object) -> str:
    doc = _doc()
    entry = doc["breaks"][index]  # type: ignore[index]
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return yaml.safe_dump(doc, sort_keys=False)


def test_the_shipped_file_declares_every_break_with_a_source() -> None:
    b = data.load_breaks()
    assert [(e.id, e.kind) for e in b.entries] == [
        ("earlier-ofsted-definition", "not_comparable"),
        ("ofsted-2017-18-not-held", "gap"),
        ("dfe-collection", "step"),
        ("reporting-year-label", "label"),
        ("pandemic", "event"),
    ]
    for e in b.entries:
        assert e.sources and all(s.url.startswith("https://") and s.quote for s in e.sources)
    early = b.get("earlier-ofsted-definition")
    assert early.meaning == "earlier Ofsted definition, not comparable"
    assert all(s.secondary for s in early.sources[:2])  # Community Care: secondary reports
    assert b.first_comparable() == parse_period("2014-15")
    with pytest.raises(KeyError):
        b.get("nothing")


@pytest.mark.parametrize(
    ("earlier", "later", "flag", "ids"),
    [
        ("2013-14", "2014-15", "not comparable", ("earlier-ofsted-definition",)),
        ("2014-15", "2013-14", "not comparable", ("earlier-ofsted-definition",)),  # either order
        ("2012-13", "2013-14", "", ()),  # both in the earlier collection
        ("2016-17", "2018-19", "step change", ("dfe-collection",)),
        ("2014-15", "2020-21", "step change", ("dfe-collection",)),
        ("2013-14", "2020-21", "not comparable", ("earlier-ofsted-definition", "dfe-collection")),
        ("2022-23", "2023-24", "", ()),  # the relabelling is not a break
        ("2019-20 H1", "2020-21 H1", "", ()),  # half years count as their April-March year
        ("2020", "2021", "", ()),  # calendar years (the Panel's) cross nothing
    ],
)
def test_compare_says_what_a_comparison_crosses(
    earlier: str, later: str, flag: str, ids: tuple[str, ...]
) -> None:
    kind = "calendar_year" if earlier == "2020" else None
    a, b = parse_period(earlier, kind), parse_period(later, kind)
    crossing = data.load_breaks().compare(a, b)
    assert crossing.flag == flag and crossing.flags == ids
    assert crossing.comparable is (not ids)
    if ids:
        assert "no change is called more than chance" in crossing.warning()
    else:
        assert crossing.warning() == ""


def test_events_and_gaps_are_noted_not_blocking() -> None:
    b = data.load_breaks()
    c = b.compare("2019-20", "2020-21")
    assert c.comparable and [e.id for e in c.events] == ["pandemic"]
    assert "COVID-19 pandemic year" in c.event_note()
    g = b.compare("2016-17", "2017-18")
    assert [e.id for e in g.gaps] == ["ofsted-2017-18-not-held"]
    assert b.compare("2015-16", "2016-17").event_note() == ""
    # A dataset the breaks do not apply to (the Panel's counts) crosses nothing.
    assert b.compare("2013-14", "2014-15", dataset="panel_notifications").comparable


def test_year_queries_and_chart_helpers() -> None:
    b = data.load_breaks()
    assert b.not_comparable("2013-14").id == "earlier-ofsted-definition"  # type: ignore[union-attr]
    assert b.not_comparable("2014-15") is None
    assert b.not_comparable(parse_period("2021", "calendar_year")) is None
    assert b.chart_lines() == (
        ("2018-19", "Ofsted to DfE collection"),
        ("2023-24", "relabelled 'reporting year'"),
    )
    assert b.get("dfe-collection").span == "from 2018-19"
    assert b.get("ofsted-2017-18-not-held").span == "2017-18"
    assert april_march_year(parse_period("2020-21 H2")) == 2020
    assert april_march_year(parse_period("2021", "calendar_year")) is None


def test_a_data_folder_without_a_breaks_file_uses_the_project_file(tmp_path: Path) -> None:
    assert breaks_path(tmp_path) == paths.breaks_file()
    assert data.load_breaks(tmp_path).entries == data.load_breaks().entries


# ---------------------------------------------------------------------------------------------
# Bad breaks files: file, entry and field named
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entry", "field", "message"),
    [
        (_with(2, kind="stepp"), "entry 3 (id 'dfe-collection')", "kind", "unknown kind 'stepp'"),
        (_with(2, **{"from": "2018/19x"}), "entry 3", "from", "the period does not parse"),
        (_with(0, to="2013-15"), "entry 1", "to", "the period does not parse"),
        (_with(2, **{"from": "2018-19 H1"}), "entry 3", "from", "not an April-March year"),
        (_with(1, sources=None), "entry 2", "sources", "at least one source"),
        (_with(1, sources=[]), "entry 2", "sources", "at least one source"),
        (_with(1, sources=[{"publisher": "x", "url": "https://a.b/c"}]), "entry 2",
         "sources[0].quote", "missing"),
        (_with(1, sources=[{"publisher": "x", "url": "not a url", "quote": "q"}]), "entry 2",
         "sources[0].url", "not a web address"),
        (_with(2, **{"from": "2030-31"}), "entry 3", "from", "outside the years the data hold"),
        (_with(0, **{"from": "2005-06"}), "entry 1", "from", "outside the years the data hold"),
        (_with(4, to="2031-32"), "entry 5 (id 'pandemic')", "to", "outside the years"),
        (_with(4, to="2019-20"), "entry 5", "to", "is before 'from'"),
        (_with(4, to=None), "entry 5", "to", "needs its last year"),
        (_with(2, to="2019-20"), "entry 3", "to", "leave 'to' out"),
        (_with(3, colour="red"), "entry 4", "colour", "unknown field"),
        (_with(3, id="Bad Id"), "entry 4", "id", "is not an id"),
        (_with(3, id="dfe-collection"), "entry 4", "id", "used twice"),
        (_with(3, meaning=""), "entry 4", "meaning", "non-empty text"),
        (_with(3, datasets=["nope"]), "entry 4", "datasets", "unknown dataset"),
        (_with(3, short=None), "entry 4", "short", "missing"),
        (_with(2, meaning="a <script>step</script>"), "entry 3", "meaning", "'<' is not allowed"),
        (_with(2, short="=HYPERLINK(1)"), "entry 3", "short", "'=' is not allowed"),
        (_with(2, meaning="a **bold** step"), "entry 3", "meaning", "'*' is not allowed"),
    ],
)  # fmt: skip
def test_planted_errors_name_file_entry_and_field(
    tmp_path: Path, text: str, entry: str, field: str, message: str
) -> None:
    path = tmp_path / "breaks.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        data.load_breaks(path=path)
    shown = str(err.value)
    assert str(path) in shown and entry in shown and f"field '{field}'" in shown
    assert message in shown and ", line " in shown
    assert err.value.key is not None and err.value.key.endswith(field)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("breaks: [\n", "invalid YAML"),
        ("version: 1\nversion: 1\nbreaks: []\n", "duplicate key"),
        ("version: 2\nbreaks: []\n", "version must be 1"),
        ("version: 1\nbreaks: []\n", "non-empty list"),
        ("- a\n", "must be a mapping"),
        ("version: 1\nbreaks: [1]\n", "must be a mapping with"),
        ("version: 1\nextra: 1\nbreaks: [1]\n", "unknown top-level key"),
    ],
)
def test_malformed_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_breaks(text, "x.yml")


def test_missing_or_binary_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the breaks file"):
        data.load_breaks(path=tmp_path / "none.yml")
    (tmp_path / "b.yml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not UTF-8"):
        data.load_breaks(path=tmp_path / "b.yml")


def test_validate_command_checks_a_breaks_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["validate", str(paths.breaks_file())]) == 0
    bad = tmp_path / "breaks.yml"
    bad.write_text(_with(2, kind="stepp"), encoding="utf-8")
    assert cli.main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "unknown kind 'stepp'" in err and "Traceback" not in err


def test_a_build_with_a_bad_breaks_file_exits_2_and_builds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    (folder / "published").mkdir(parents=True)
    for f in paths.published_dir().iterdir():
        (folder / "published" / f.name).write_bytes(f.read_bytes())
    (folder / "SHA256SUMS").write_bytes((paths.data_dir() / "SHA256SUMS").read_bytes())
    (folder / "breaks.yml").write_text(_with(4, to="2031-32"), encoding="utf-8")
    out = tmp_path / "reports"
    assert cli.main(["build", "--data-dir", str(folder), "--out", str(out), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "breaks.yml" in err and "entry 5 (id 'pandemic'), field 'to'" in err
    assert "outside the years the data hold" in err and "Traceback" not in err
    built = [p.name for p in out.iterdir()] if out.exists() else []
    assert "manifest.json" not in built and "index.html" not in built
    assert not [p for p in built if p[:4].isdigit()]  # no year folder, no report
