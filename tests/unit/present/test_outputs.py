"""Run outputs: files written with an output folder, nothing without, deterministic bytes."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats import data
from sinstats.errors import ParameterError
from sinstats.present import outputs, params, plots
from sinstats.present.key_figures import KeyFigure


@pytest.fixture(autouse=True)
def _fresh_run() -> Iterator[None]:
    outputs.reset()
    yield
    outputs.reset()


def _chart() -> plots.Chart:
    table = pd.DataFrame({"period": ["2024-25", "2025-26"], "count": [338.0, 357.0]})
    return plots.series_chart(
        table, title="T", ylabel="Notifications (count)", what="x", lower=None, upper=None
    )


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {"nature": ["Total", "Other"], "count": [357, 9], "rate": [1 / 3, math.nan]}
    )


def _run(tmp_path: Path) -> params.NotebookParams:
    return params.validate("01", year="2026", output_dir=str(tmp_path))


def test_files_are_written_with_an_output_folder(tmp_path: Path) -> None:
    run = _run(tmp_path)
    outputs.setup(run.output_dir, run)
    data.load("sin_national")
    outputs.table(_table(), "headline", show_table=False)
    outputs.figure(_chart(), "series", show_chart=False)
    outputs.key_figure(
        KeyFigure("total", "Notifications", 357.0, "357 notifications", "count", 321, 396, 0.95)
    )
    outputs.key_figure(KeyFigure("other", "Other", math.nan, "not published"))
    inputs = outputs.finish()
    assert (tmp_path / "tables" / "headline.csv").read_text() == (
        "nature,count,rate,method,conf_level,note\n"
        "Total,357,0.3333333333,exact,0.95,\n"
        "Other,9,,exact,0.95,\n"
    )
    for ext in (".png", ".svg", ".alt.txt"):
        assert (tmp_path / "figures" / f"series{ext}").stat().st_size > 0
    key = json.loads((tmp_path / "key_figures.json").read_text())
    empty = {
        **dict.fromkeys(("lower", "upper", "conf_level", "ratio", "ratio_lower", "ratio_upper")),
        "model": False,
        "flags": [],
    }
    assert key == [
        {**empty, "name": "total", "label": "Notifications", "value": 357,
         "text": "357 notifications", "unit": "count", "lower": 321, "upper": 396,
         "conf_level": 0.95},
        {**empty, "name": "other", "label": "Other", "value": None, "text": "not published",
         "unit": ""},
    ]  # fmt: skip
    assert [KeyFigure.from_json(k).as_json() for k in key] == key
    written = json.loads((tmp_path / "inputs.json").read_text())
    assert written == inputs
    assert written["parameters"]["year"] == "2025-26"
    assert "output_dir" not in written["parameters"]
    assert any(p.endswith("sin_national.csv") for p in written["data_files"])
    assert written["tables"] == ["headline"] and written["figures"] == ["series"]


def test_nothing_is_written_without_an_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    outputs.setup("", params.validate("01", year="2026"))
    assert outputs.output_dir() is None
    outputs.table(_table(), "headline", show_table=False)
    outputs.figure(_chart(), "series", show_chart=False)
    outputs.key_figure(KeyFigure("total", "Notifications", 357, "357"))
    outputs.finish()
    assert list(tmp_path.iterdir()) == []


def test_outputs_are_byte_identical_across_runs(tmp_path: Path) -> None:
    contents = []
    for name in ("one", "two"):
        folder = tmp_path / name
        outputs.setup(str(folder), params.validate("01", year="2026", output_dir=str(folder)))
        outputs.table(_table(), "headline", show_table=False)
        outputs.figure(_chart(), "series", show_chart=False)
        outputs.key_figure(KeyFigure("total", "Notifications", 357, "357"))
        outputs.finish()
        contents.append(
            {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.*")}
        )
    assert contents[0] == contents[1]


def test_existing_method_columns_are_kept() -> None:
    frame = pd.DataFrame({"x": [1], "method": ["byar"], "conf_level": [0.9], "note": ["n"]})
    out = outputs.tidy_for_csv(frame, params.validate("01", year="2026"))
    assert out.to_dict("records") == [{"x": 1, "method": "byar", "conf_level": 0.9, "note": "n"}]


@pytest.mark.parametrize("name", ["../escape", "Upper", "", "a b", "x" * 90])
def test_bad_output_names_are_refused(name: str) -> None:
    with pytest.raises(ParameterError, match="output name"):
        outputs.table(_table(), name, show_table=False)


def test_table_html_is_stable_and_captioned() -> None:
    html = outputs.table_html(_table(), caption="Caption here", uid="headline")
    assert html == outputs.table_html(_table(), caption="Caption here", uid="headline")
    assert "Caption here" in html and "T_headline" in html


def test_key_figure_replaces_same_name() -> None:
    outputs.key_figure(KeyFigure("total", "A", 1, "a"))
    outputs.key_figure(KeyFigure("total", "B", 2, "b"))
    assert [k.label for k in outputs.key_figures()] == ["B"]


def test_key_figure_takes_only_records() -> None:
    with pytest.raises(ParameterError, match="KeyFigure record"):
        outputs.key_figure({"name": "total"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Bad Name"}, "name"),
        ({"lower": 1.0, "upper": 2.0}, "needs its conf_level"),
        ({"lower": 3.0, "upper": 2.0, "conf_level": 0.95}, "is above"),
        ({"lower": 20.0, "upper": 30.0, "conf_level": 0.95}, "does not contain value"),
        ({"ratio_lower": 0.9, "ratio_upper": 1.1, "conf_level": 0.95}, "needs its ratio"),
        ({"ratio": 2.0, "ratio_lower": 0.9, "ratio_upper": 1.1, "conf_level": 0.95}, "ratio 2.0"),
        ({"conf_level": 95.0}, "conf_level must be in"),
        ({"value": "ten"}, "must be a number"),
        ({"label": 3}, "label must be text"),
    ],
)
def test_key_figure_records_are_checked(kwargs: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"name": "total", "label": "Total", "value": 10.0, "text": "10"}
    with pytest.raises(ParameterError, match=message):
        KeyFigure(**{**base, **kwargs})  # type: ignore[arg-type]


def test_key_figure_json_round_trip_and_bad_records() -> None:
    change = KeyFigure("change_total", "Change", -19, "Fell by 19", "difference in count",
                       conf_level=0.95, ratio=0.95, ratio_lower=0.82, ratio_upper=1.1)  # fmt: skip
    assert KeyFigure.from_json(change.as_json()) == change
    assert change.lower is None and change.available
    with pytest.raises(ParameterError, match="unknown field"):
        KeyFigure.from_json({**change.as_json(), "extra": 1})
    with pytest.raises(ParameterError, match="missing field"):
        KeyFigure.from_json({"name": "x"})
    with pytest.raises(ParameterError, match="mapping"):
        KeyFigure.from_json([1, 2])  # type: ignore[arg-type]


def test_text_columns_left_numbers_right() -> None:
    frame = pd.DataFrame(
        {
            "Claim": ["482 notifications in 2020", "over 150"],
            "Published": ["482", "-21%"],
            "Interval": ["440 to 527", "-31.5 to -8.9"],
            "Count": [1, 2],
        }
    )
    html = outputs.table_html(frame, "caption", "t")
    # Only the text column is left-aligned (header and cells); numeric ones keep the right default.
    assert "#T_t th.col0 {\n  text-align: left;\n}" in html
    assert "#T_t_row0_col0, #T_t_row1_col0 {\n  text-align: left;\n}" in html
    for col in ("col1", "col2", "col3"):
        assert f"th.{col} {{" not in html and f"row0_{col}," not in html


def test_key_figure_from_a_table_row() -> None:
    row = {"rate": 2.9, "rate_lower": 2.6, "rate_upper": 3.3, "conf_level": 0.95}
    record = KeyFigure.from_row(
        row, "rate", ("rate_lower", "rate_upper"), name="rate", label="Rate", text="2.9", unit="u"
    )
    assert (record.value, record.lower, record.upper, record.conf_level) == (2.9, 2.6, 3.3, 0.95)
    row90 = {"count": 10, "lower": 5, "upper": 17, "conf_level": 0.95}
    other = KeyFigure.from_row(row90, "count", name="n", label="N", text="10", unit="count",
                               conf_level=0.9)  # fmt: skip
    assert other.conf_level == 0.9 and other.lower == 5.0
    with pytest.raises(ParameterError, match="does not contain"):
        KeyFigure.from_row({**row90, "count": 20}, "count", name="n", label="N", text="", unit="")


def test_key_figure_flags_name_declared_breaks_and_old_records_still_read() -> None:
    flagged = KeyFigure("change_total", "Change", 87, "Not comparable", "difference in count",
                        flags=["earlier-ofsted-definition"])  # fmt: skip
    assert flagged.flags == ("earlier-ofsted-definition",)
    assert flagged.as_json()["flags"] == ["earlier-ofsted-definition"]
    assert KeyFigure.from_json(flagged.as_json()) == flagged
    # A key_figures.json written before the field existed reads as unflagged.
    old = {k: v for k, v in flagged.as_json().items() if k != "flags"}
    assert KeyFigure.from_json(old).flags == ()
    for bad in ("earlier-ofsted-definition", ["Not An Id"], [3]):
        with pytest.raises(ParameterError, match="flag"):
            KeyFigure("x", "X", 1, "x", flags=bad)  # type: ignore[arg-type]


def test_table_html_escapes_cells_and_headers() -> None:
    # Issue 18, defect 3: a data note with <script> reached the report HTML unescaped.
    frame = pd.DataFrame({"note <b>": ["<script>alert(1)</script>", "a & b"], "n": [1, 2]})
    html = outputs.table_html(frame, "caption", "t")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "a &amp; b" in html
    assert "note &lt;b&gt;" in html


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
        ("[t](javascript:alert(1))", "\\[t\\](javascript:alert(1))"),
        ("![i](x.png)", "!\\[i\\](x.png)"),
        ("**bold** and `a<b` and _it_", "**bold** and `a<b` and _it_"),
        ("p < 0.05 & q > 1", "p &lt; 0.05 &amp; q &gt; 1"),
        ("``a ` <b>`` <c>", "``a ` <b>`` &lt;c&gt;"),
    ],
)
def test_inert_markdown(markdown: str, expected: str) -> None:
    assert outputs.inert_markdown(markdown) == expected


def test_say_shows_no_raw_html(monkeypatch: pytest.MonkeyPatch) -> None:
    from IPython import display as ipd

    shown: list[object] = []
    monkeypatch.setattr(ipd, "display", lambda obj, **_: shown.append(obj))
    outputs.say("Claim: <img src=x onerror=alert(1)>")
    (markdown,) = shown
    assert getattr(markdown, "data", "") == "Claim: &lt;img src=x onerror=alert(1)&gt;"


def _cell_texts(html: str) -> list[str]:
    import re

    return re.findall(r"<td\b[^>]*>(.*?)</td>", html, re.DOTALL)


def test_table_html_marks_long_runs_without_spaces_and_nothing_else() -> None:
    # Issue 19: the print stylesheet lets only these runs break anywhere (a link, an id, a hash),
    # so that words and numbers stay whole and the table still fits the page.
    long_id = "dfe-2020-21-child-deaths-up-35"
    url = "https://www.example.org/a/very/long/address"
    zwsp = "https:/\u200b/\u200bwww.\u200bexample.\u200borg/\u200b0123456789abcdef0123456789"
    frame = pd.DataFrame(
        {
            "Claim": [long_id, "short-id"],
            "Statement": [f"See {url} & more", zwsp],
            "Count": [1_234_567_890, 2],
        }
    )
    cells = _cell_texts(outputs.table_html(frame, "caption", "t"))
    span = '<span class="sinstats-break">{}</span>'
    assert cells[0] == span.format(long_id)
    assert cells[1] == f"See {span.format(url)} &amp; more"
    assert cells[2] == "1,234,567,890"
    assert cells[3] == "short-id"
    # Only the run between zero-width spaces that is itself long is marked.
    assert cells[4] == zwsp.replace(
        "0123456789abcdef0123456789", span.format("0123456789abcdef0123456789")
    )
    assert cells[5] == "2"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("ab-1.&<\u200b /"), min_size=0, max_size=60),
        min_size=1,
        max_size=4,
    )
)
def test_marking_long_runs_keeps_the_text_and_marks_exactly_the_long_runs(cells: list[str]) -> None:
    import html as html_lib
    import re

    frame = pd.DataFrame({"Text": [f"x{c}" for c in cells]})
    marked = _cell_texts(outputs.table_html(frame, None, "p"))
    for source, cell in zip(frame["Text"], marked, strict=True):
        # The text is unchanged once the marks are taken out.
        plain = cell.replace('<span class="sinstats-break">', "").replace("</span>", "")
        assert html_lib.unescape(plain) == source
        # Every maximal run without spaces of LONG_TOKEN characters or more is marked, whole.
        runs = [r for r in re.split(r"[\s\u200b]+", plain) if r]
        long_runs = [r for r in runs if len(r) >= outputs.LONG_TOKEN]
        assert re.findall(r'<span class="sinstats-break">(.*?)</span>', cell) == long_runs


def test_a_shown_figure_is_drawn_as_svg_once_and_shows_the_files_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file, the ``<img>`` and the ``image/svg+xml`` output are one rendering (issue 19)."""
    import base64

    from IPython import display as ipd

    from sinstats.present.plots import render

    drawn: list[bytes] = []
    real_svg = render.svg_bytes

    def counting_svg(chart: plots.Chart) -> bytes:
        drawn.append(real_svg(chart))
        return drawn[-1]

    shown: list[dict[str, str]] = []
    monkeypatch.setattr(outputs, "svg_bytes", counting_svg)
    monkeypatch.setattr(render, "svg_bytes", counting_svg)
    monkeypatch.setattr(ipd, "display", lambda bundle, **_: shown.append(bundle))
    run = _run(tmp_path)
    outputs.setup(run.output_dir, run)
    chart = _chart()
    reference = real_svg(chart)  # the chart drawn on its own, before anything else
    outputs.figure(chart, "series")
    assert len(drawn) == 1
    on_disk = (tmp_path / "figures" / "series.svg").read_bytes()
    assert on_disk == reference
    (bundle,) = shown
    assert bundle["image/svg+xml"].encode("utf-8") == on_disk
    encoded = bundle["text/html"].split('src="data:image/svg+xml;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(encoded) == on_disk
    # without an output folder it is still drawn once, for the display
    drawn.clear()
    outputs.reset()
    outputs.setup("", params.validate("01", year="2026"))
    outputs.figure(_chart(), "series")
    assert len(drawn) == 1 and len(shown) == 2
