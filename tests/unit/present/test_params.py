"""Notebook parameter validation: every bad value gives one sentence naming the parameter."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinstats import data
from sinstats.errors import ParameterError, SinstatsError
from sinstats.present import params

LATEST = data.latest_period().id


def test_defaults_validate() -> None:
    run = params.validate("01", year="2026")
    assert run.year == "2025-26" == LATEST
    assert run.year_label == "2025-26 (reporting year 2026)"
    assert (run.conf_level, run.method, run.share_method, run.ratio_method) == (
        0.95,
        "exact",
        "wilson",
        "exact",
    )
    assert run.data_dir is None and run.output_dir is None
    assert run.level_text == "95%"


@pytest.mark.parametrize("year", ["2026", "2025-26", "202526", 2026, "2025/26", "RY2026"])
def test_every_form_of_a_year_is_the_same_period(year: object) -> None:
    assert params.validate("01", year=year).year == "2025-26"


@pytest.mark.parametrize(
    ("kwargs", "name", "choices"),
    [
        ({"year": "2031"}, "year", "2014-15, 2015-16"),
        ({"year": "2017-18"}, "year", "2018-19"),
        ({"year": "abc"}, "year", "2025-26"),
        ({"year": 2026.5}, "year", "2025-26"),
        ({"year": None}, "year", "2025-26"),
        ({"year": True}, "year", "2025-26"),
        ({"year": "2020-21 H1"}, "year", "2025-26"),
        ({"year": "2026", "conf_level": 95}, "conf_level", "0.95"),
        ({"year": "2026", "conf_level": 0}, "conf_level", "0.95"),
        ({"year": "2026", "conf_level": 1}, "conf_level", "0.95"),
        ({"year": "2026", "conf_level": -0.5}, "conf_level", "0.95"),
        ({"year": "2026", "conf_level": math.nan}, "conf_level", "0.95"),
        ({"year": "2026", "conf_level": "high"}, "conf_level", "0.95"),
        ({"year": "2026", "conf_level": True}, "conf_level", "0.95"),
        ({"year": "2026", "method": "magic"}, "method", "exact, midp, byar, normal, phe"),
        ({"year": "2026", "method": "Exact"}, "method", "exact, midp"),
        ({"year": "2026", "method": "exa"}, "method", "exact, midp"),
        ({"year": "2026", "method": None}, "method", "exact, midp"),
        ({"year": "2026", "share_method": "wald"}, "share_method", "wilson"),
        ({"year": "2026", "ratio_method": "wald"}, "ratio_method", "exact, midp, score"),
        ({"year": "2026", "data_dir": "/no/such/folder"}, "data_dir", "empty"),
        ({"year": "2026", "data_dir": 3}, "data_dir", "empty for the project's data/ folder"),
        ({"year": "2026", "output_dir": 3}, "output_dir", "empty to only display results"),
        ({"year": "2026", "seed": 1}, "seed", "year, conf_level, method, data_dir, output_dir"),
    ],
)
def test_bad_values_name_the_parameter_and_choices(
    kwargs: dict[str, object], name: str, choices: str
) -> None:
    with pytest.raises(ParameterError) as err:
        params.validate("01", **kwargs)
    message = str(err.value)
    assert message.startswith(name), message
    assert choices in message
    assert "\n" not in message


def test_conf_level_95_suggests_the_proportion() -> None:
    with pytest.raises(ParameterError, match=r"0\.95, not 95"):
        params.check_conf_level(95)


@pytest.mark.parametrize("value", [0.95, "0.95", 0.998, 0.5, 1e-9])
def test_good_conf_levels(value: object) -> None:
    assert 0 < params.check_conf_level(value) < 1


def test_output_dir_must_not_be_a_file(tmp_path: pytest.TempPathFactory) -> None:
    f = tmp_path / "file.txt"  # type: ignore[operator]
    f.write_text("x")
    with pytest.raises(ParameterError, match="^output_dir .* is a file"):
        params.validate("01", year="2026", output_dir=str(f))
    assert params.validate("01", year="2026", output_dir=str(tmp_path)).output_dir == str(tmp_path)


def test_data_dir_needs_published_folder(tmp_path: pytest.TempPathFactory) -> None:
    with pytest.raises(ParameterError, match="^data_dir .* holds no published/"):
        params.validate("01", year="2026", data_dir=str(tmp_path))


def test_simulating_notebook_checks_its_extras() -> None:
    run = params.validate("03", year="2026", seed=7, n_draws="5000", target="notified_deaths")
    assert (run.seed, run.n_draws, run.target) == (7, 5000, "notified_deaths")
    with pytest.raises(ParameterError, match="^seed .* whole number"):
        params.validate("03", year="2026", seed=-1, n_draws=5000, target="notified_deaths")
    with pytest.raises(ParameterError, match="^n_draws .* 1,000 to 10,000,000"):
        params.validate("03", year="2026", seed=1, n_draws=10, target="notified_deaths")
    with pytest.raises(ParameterError, match="^target 'x' .*deaths_maltreatment_or_assault"):
        params.validate("03", year="2026", seed=1, n_draws=5000, target="x")


def test_target_without_its_figure_names_the_years() -> None:
    # No national child-death figure is held for 2018-19: the deaths targets cannot start there.
    with pytest.raises(ParameterError, match="^year '2019' .*child death figure"):
        params.validate(
            "03", year="2019", seed=1, n_draws=5000, target="deaths_maltreatment_or_assault"
        )
    run = params.validate("03", year="2019", seed=1, n_draws=5000, target="all_notifications")
    assert run.year == "2018-19"


def test_valid_years_per_notebook() -> None:
    every = params.valid_years("01")
    assert every[0] == "2014-15" and every[-1] == LATEST and "2017-18" not in every
    assert params.valid_years("02") == every[2:]
    assert params.valid_years("03") == [y for y in every if y not in ("2018-19", "2019-20")]
    assert params.valid_years("04") == params.valid_years("06") == [LATEST]
    assert params.valid_years("05") == ["2024-25", "2025-26"]
    assert params.default_years("01") == every
    assert params.default_years("05") == [LATEST]


def test_whole_collection_notebook_says_why_a_year_is_refused() -> None:
    with pytest.raises(ParameterError, match="^year '2025' .*not the latest year.*2025-26"):
        params.validate("06", year="2025")
    with pytest.raises(ParameterError, match="too early to end a series"):
        params.validate("02", year="2015-16")


@pytest.mark.parametrize("name", ["01", 1, "01-annual-overview", "01-annual-overview.ipynb"])
def test_notebook_names(name: object) -> None:
    assert params.notebook_spec(name).id == "01"


def test_unknown_notebook_lists_the_collection() -> None:
    with pytest.raises(ParameterError, match="^notebook '07' .*06-verify-published-figures"):
        params.notebook_spec("07")


def test_as_dict_is_json_ready() -> None:
    run = params.validate("03", year="2026", seed=3, n_draws=2000, target="notified_deaths")
    assert run.as_dict() == {
        "notebook": "03",
        "year": "2025-26",
        "year_label": "2025-26 (reporting year 2026)",
        "conf_level": 0.95,
        "method": "exact",
        "share_method": "wilson",
        "ratio_method": "exact",
        "data_dir": "",
        "output_dir": "",
        "seed": 3,
        "n_draws": 2000,
        "target": "notified_deaths",
    }


def test_error_handler_outside_ipython_is_a_no_op() -> None:
    assert params.install_error_handler() is False


def test_error_handler_shows_one_line() -> None:
    shown: list[list[str]] = []

    class Shell:
        def _showtraceback(self, etype: type, value: BaseException, stb: list[str]) -> None:
            shown.append(stb)

    err = ParameterError("method 'magic' is not a known interval method; choose one of exact")
    stb = params._short_traceback(Shell(), ParameterError, err, None)
    assert stb == shown[0] == [f"ParameterError: {err}"]


# ---------------------------------------------------------------------------------------------
# Property tests: anything gives a valid result or a ParameterError, never another exception
# ---------------------------------------------------------------------------------------------

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["2026", "2025-26", "202526", "2017-18", "0.95", "exact", "midp", "1e3"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year=anything, conf_level=anything, method=anything)
def test_validate_never_raises_anything_else(
    year: object, conf_level: object, method: object
) -> None:
    try:
        run = params.validate("01", year=year, conf_level=conf_level, method=method)
    except ParameterError as err:
        assert str(err).split(" ", 1)[0] in {"year", "conf_level", "method"}
        return
    assert run.year in params.valid_years("01")
    assert 0 < run.conf_level < 1
    assert run.method in params.METHODS


@settings(max_examples=150, deadline=None)
@given(seed=anything, n_draws=anything, target=anything)
def test_simulation_parameters_never_raise_anything_else(
    seed: object, n_draws: object, target: object
) -> None:
    try:
        run = params.validate("03", year="2026", seed=seed, n_draws=n_draws, target=target)
    except ParameterError as err:
        assert str(err).split(" ", 1)[0] in {"seed", "n_draws", "target"}
        return
    assert isinstance(run.seed, int) and run.seed >= 0
    assert isinstance(run.n_draws, int) and params.MIN_DRAWS <= run.n_draws <= params.MAX_DRAWS


@settings(max_examples=100, deadline=None)
@given(value=anything)
def test_every_check_raises_only_parameter_errors(value: object) -> None:
    for check in (
        params.check_conf_level,
        params.check_method,
        params.check_share_method,
        params.check_ratio_method,
        params.check_seed,
        params.check_n_draws,
        params.check_output_dir,
        params.check_claims_file,
    ):
        try:
            check(value)
        except SinstatsError as err:
            assert isinstance(err, ParameterError)


@pytest.mark.parametrize("year", ["2013-14", "2012-13", "201314", "2014"])
@pytest.mark.parametrize("notebook", ["01", "02", "03"])
def test_years_of_the_earlier_definition_are_not_comparable_not_missing(
    year: str, notebook: str
) -> None:
    with pytest.raises(ParameterError) as err:
        params.validate(notebook, year=year, **_EXTRAS.get(notebook, {}))
    text = str(err.value)
    assert "earlier Ofsted definition, not comparable" in text
    assert "no published national total" not in text
    held = data.count(year, "Total").value
    assert f"its total ({held:,.0f}) is held for context" in text


def test_the_gap_year_is_named_from_the_breaks_file() -> None:
    with pytest.raises(ParameterError, match=r"is a gap in the series \(not held"):
        params.validate("01", year="2017-18")


_EXTRAS: dict[str, dict[str, object]] = {
    "03": {"seed": 1, "n_draws": 5000, "target": "notified_deaths"}
}
