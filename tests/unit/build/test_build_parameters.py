"""sinstats.build.parameters: declared parameters, their cache, coercion and ``-p`` options."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from sinstats.build import parameters
from sinstats.build.parameters import (
    DeclaredParameter,
    ParameterCache,
    coerce_parameter,
    parse_parameter_options,
)
from sinstats.errors import ConfigError, ParameterError

SHA_A = "a" * 64

Declared = Callable[[str, str], DeclaredParameter]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@pytest.mark.parametrize(
    ("type_name", "default", "text", "expected"),
    [
        ("int", "1", "42", 42),
        ("float", "0.5", "0.9", 0.9),
        ("bool", "False", "yes", True),
        ("bool", "False", "0", False),
        ("str", '""', "  spaced ", "  spaced "),
        ("None", "7", "8", 8),  # no annotation: the type of the default
        ("None", "'a'", "b", "b"),
        ("None", "[1, 2]", "anything", "anything"),  # no usable type: passed as given
        ("list[int]", "unparseable(", "z", "z"),
    ],
)
def test_command_line_values_are_converted(
    declared: Declared, type_name: str, default: str, text: str, expected: object
) -> None:
    value = coerce_parameter("nb", declared(type_name, default), text, from_text=True)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("type_name", "text", "message"),
    [
        ("int", "4.5", "an integer"),
        ("float", "high", "a number"),
        ("bool", "maybe", "true or false"),
    ],
)
def test_bad_command_line_values_are_refused(
    declared: Declared, type_name: str, text: str, message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        coerce_parameter("nb", declared(type_name, "0"), text, from_text=True)


@pytest.mark.parametrize(
    ("type_name", "value", "expected"),
    [("int", 3, 3), ("float", 1, 1.0), ("bool", True, True), ("str", "s", "s")],
)
def test_yaml_values_are_checked(
    declared: Declared, type_name: str, value: object, expected: object
) -> None:
    assert coerce_parameter("nb", declared(type_name, "0"), value, from_text=False) == expected


@pytest.mark.parametrize(
    ("type_name", "value"), [("int", True), ("int", 1.5), ("float", "1"), ("bool", 1), ("str", 2)]
)
def test_wrong_yaml_types_are_refused(declared: Declared, type_name: str, value: object) -> None:
    with pytest.raises(ParameterError, match="parameter 'x' of notebook nb must be"):
        coerce_parameter("nb", declared(type_name, "0"), value, from_text=False)


def test_parameter_options() -> None:
    assert parse_parameter_options(["a=1", "b = x=y"]) == {"a": "1", "b": " x=y"}
    assert parse_parameter_options(None) == {}
    for bad in ("=1", "1a=2", "no_equals"):
        with pytest.raises(ParameterError, match="write -p name=value"):
            parse_parameter_options([bad])
    for reserved, hint in (("year", "--year"), ("data_dir", "--data-dir"), ("output_dir", "--out")):
        with pytest.raises(ParameterError, match=hint):
            parse_parameter_options([f"{reserved}=x"])


def _parameters_notebook(path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nbformat.write(nb, path)
    return path


def test_cache_inspects_each_notebook_once_and_persists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = _parameters_notebook(tmp_path / "a.ipynb", "year: str = '2025-26'  # the year\n")
    cache_file = tmp_path / "cache" / "parameters.json"
    cache = ParameterCache(cache_file)
    found = cache.declared(nb, SHA_A)
    assert found == {
        "year": DeclaredParameter(
            name="year", type_name="str", default="'2025-26'", help="the year"
        )
    }
    cache.save()
    assert cache_file.is_file()

    def refuse(notebook: Path) -> dict[str, dict[str, str]]:
        raise AssertionError("the cached answer must be used")

    monkeypatch.setattr(parameters, "inspect_notebook", refuse)
    again = ParameterCache(cache_file)
    assert again.declared(nb, SHA_A) == found
    again.save()  # nothing new: the file is left alone
    assert not again.changed


def test_cache_ignores_a_broken_file_and_memory_only_cache_never_writes(tmp_path: Path) -> None:
    broken = tmp_path / "parameters.json"
    broken.write_text("{not json", encoding="utf-8")
    assert ParameterCache(broken).entries == {}
    assert "not a parameter cache this build wrote" in ParameterCache(broken).notes[0]
    memory = ParameterCache(None)
    memory.entries["x"] = {}
    memory.changed = True
    memory.save()
    assert list(tmp_path.iterdir()) == [broken]


def test_unparseable_parameters_cell_is_refused(tmp_path: Path) -> None:
    nb = _parameters_notebook(tmp_path / "b.ipynb", "year: str = '2025-26'  # help with a = sign\n")
    with pytest.raises(ConfigError, match="papermill cannot parse the `parameters` cell"):
        parameters.inspect_notebook(nb)


def test_unreadable_notebook_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "c.ipynb"
    bad.write_text("not a notebook", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the notebook's parameters"):
        parameters.inspect_notebook(bad)


@pytest.mark.parametrize(
    "content",
    [
        "[1, 2]",  # not a mapping (used to fail every build with AttributeError)
        '{"' + "a" * 64 + '": [1]}',  # an entry that is not a mapping of parameters
        '{"' + "a" * 64 + '": {"year": {"type": 1, "default": "", "help": ""}}}',
        '{"not-a-sha": {}}',
        "[" * 100_000 + "]" * 100_000,  # nested too deeply for json
    ],
)
def test_structurally_corrupt_cache_is_discarded_with_a_warning(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "parameters.json"
    path.write_text(content, encoding="utf-8")
    cache = ParameterCache(path)
    assert cache.entries == {} and cache.from_disk == set()
    assert cache.notes and cache.notes[0].startswith("warning: ") and str(path) in cache.notes[0]
    assert cache.changed, "the next save replaces the corrupt file"
