"""The claim records and reading claims files: format, schema, hostile files, fuzzing.

Mirrors :mod:`sinstats.analyses.claims.register`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinstats import data, paths
from sinstats.analyses import claims
from sinstats.analyses.claims import register
from sinstats.errors import ConfigError

Factory = Callable[..., dict[str, Any]]
Writer = Callable[..., Path]
Runner = Callable[[list[str]], tuple[int, str, str]]

REGISTER = paths.claims_file()
EARLIER = {"dataset": "panel_notifications", "period": "2020", "category": "Total"}


# ---------------------------------------------------------------------------------------------
# The project's register and the records
# ---------------------------------------------------------------------------------------------


def test_register_has_at_least_15_claims_each_with_a_source_url() -> None:
    register_claims = claims.load_claims(REGISTER)
    assert len(register_claims) >= 15
    cited = {d.source_url for d in data.designations() if d.source_url}
    for name in data.list_datasets():
        cited |= set(data.load(name)["source_url"])
    for c in register_claims:
        assert c.url.startswith(("https://", "http://")), c.id
        assert c.statement.strip() and c.source.strip(), c.id
        # Statements come only from sources the data already cite (no new, unreviewed sources).
        assert c.url in cited, f"{c.id}: {c.url} is not a source_url in data/published"


def test_claim_records_describe_themselves(make_claim: Factory) -> None:
    ref = claims.FigureRef("characteristics", "2021", "Male", measure="number_children")
    assert ref.describe() == "characteristics 2021 'Male' (measure number_children)"
    regional = claims.FigureRef("sin_national", "2026", nature="Child death", area="North East")
    assert regional.describe() == "sin_national 2026 'Total' (nature Child death, area North East)"
    assert claims.PopulationRef().describe() == "ONS population aged 0 to 17, England"
    entries = [
        make_claim(id="fall", kind="percent_change", published=-21, denominator=EARLIER),
        make_claim(id="rise", kind="difference", published=87, denominator=EARLIER),
        make_claim(id="bound", qualifier="over", published=150),
        make_claim(id="rate", kind="rate", published=2.9, decimals=1,
                   denominator={"population": "North East"}),
    ]  # fmt: skip
    parsed = {c.id: c for c in claims.parse_claims(entries)}
    assert parsed["fall"].published_display() == "-21%"
    assert parsed["rise"].published_display() == "+87"
    assert parsed["bound"].published_display() == "over 150"
    assert parsed["rate"].published_display() == "2.9 per 100,000"
    assert parsed["rate"].denominator == claims.PopulationRef("North East")
    assert parsed["fall"].published == Decimal(-21) and parsed["fall"].line is None


def test_text_fields_are_folded_to_one_line(make_claim: Factory) -> None:
    (c,) = claims.parse_claims([make_claim(explanation="two\n  lines", tolerance_note=" a  b ")])
    assert c.explanation == "two lines" and c.tolerance_note == "a b"
    assert c.model_target == claims.DEFAULT_MODEL_TARGET


# ---------------------------------------------------------------------------------------------
# Hostile claims files (acceptance 4): exit 2, a message naming claim and field, no output
# ---------------------------------------------------------------------------------------------

# Each case: the file's content (or a function of the claim factory giving it) and the texts the
# error message must contain.
HOSTILE: dict[str, tuple[object, tuple[str, ...]]] = {
    "syntax error": (
        "- id: a\n  statement: [unclosed\n  kind: count\n",
        ("not valid YAML", "line"),
    ),
    "unknown kind": (
        lambda claim: [claim(id="bad-kind", kind="median")],
        ("claim 'bad-kind'", "field 'kind'", "'median' is not allowed", "percent_change"),
    ),
    "missing field": (
        lambda claim: [claim(id="no-url", url=None)],
        ("claim 'no-url'", "field 'url'", "missing"),
    ),
    "missing id": (lambda claim: [claim(id=None)], ("entry 1", "field 'id'", "missing")),
    "unknown dataset": (
        lambda claim: [claim(id="bad-ds", numerator={"dataset": "sin_regional", "period": "2021"})],
        ("claim 'bad-ds'", "field 'numerator.dataset'", "unknown dataset 'sin_regional'"),
    ),
    "unparseable period": (
        lambda claim: [
            claim(id="bad-period", numerator={"dataset": "sin_national", "period": "2019-21"})
        ],
        ("claim 'bad-period'", "field 'numerator.period'", "cannot be read as a period"),
    ),
    "division by zero": (
        lambda claim: [
            claim(
                id="div-zero",
                kind="share",
                published=10,
                numerator={"dataset": "characteristics", "period": "2020-21 H1"},
                denominator={
                    "dataset": "characteristics",
                    "period": "2020-21 H1",
                    "category": "Transgender",
                },
            )
        ],
        ("claim 'div-zero'", "field 'denominator'", "division by zero"),
    ),
    "duplicate id": (
        lambda claim: [claim(id="twice"), claim(id="twice")],
        ("claim 'twice' (entry 2", "field 'id'", "duplicate id"),
    ),
    "python tag": (
        "- !!python/object/apply:os.system ['echo pwned']\n",
        ("YAML tag", "not allowed", "line 1"),
    ),
    "python tag in a value": (
        lambda claim: yaml.safe_dump([claim(id="tagged")], sort_keys=False).replace(
            "published: 379", "published: !!python/name:os.getcwd ''"
        ),
        ("YAML tag", "line 5"),
    ),
    "non-numeric published": (
        lambda claim: [claim(id="pct", published="21%")],
        ("claim 'pct'", "field 'published'", "must be number"),
    ),
    "boolean published": (
        lambda claim: [claim(id="yes", published=True)],
        ("claim 'yes'", "field 'published'", "must be number"),
    ),
    "infinite published": (
        "- id: inf\n  statement: s\n  source: s\n  url: https://x.org\n  published: .inf\n"
        "  decimals: 0\n  kind: count\n  numerator: {dataset: sin_national, period: '2021'}\n",
        ("claim 'inf'", "field 'published'", "finite"),
    ),
    "negative decimals": (
        lambda claim: [claim(id="neg", decimals=-1)],
        ("claim 'neg'", "field 'decimals'", "0 to 6"),
    ),
    "too many decimals": (
        lambda claim: [claim(id="seven", decimals=7)],
        ("claim 'seven'", "field 'decimals'", "0 to 6"),
    ),
    "published has more places than decimals": (
        lambda claim: [claim(id="places", published=21.5)],
        ("claim 'places'", "field 'published'", "1 decimal place"),
    ),
    "bad url": (
        lambda claim: [claim(id="ftp", url="ftp://example.org/x")],
        ("claim 'ftp'", "field 'url'", "http"),
    ),
    "url without host": (
        lambda claim: [claim(id="nohost", url="https://")],
        ("claim 'nohost'", "field 'url'"),
    ),
    "non-list top level": (
        lambda claim: {"claims": [claim()]},
        ("top level must be a list", "mapping"),
    ),
    "list of strings": (["just a sentence"], ("entry 1", "must be a mapping")),
    "empty file": ("", ("empty",)),
    "only a comment": ("# nothing here\n", ("no claims",)),
    "empty list": ("[]\n", ("list of claims is empty",)),
    "count with a denominator": (
        lambda claim: [
            claim(id="count-den", denominator={"dataset": "sin_national", "period": "2021"})
        ],
        ("claim 'count-den'", "field 'denominator'", "takes no denominator"),
    ),
    "share without a denominator": (
        lambda claim: [claim(id="share-no-den", kind="share", published=37)],
        ("claim 'share-no-den'", "field 'denominator'", "needs a denominator"),
    ),
    "unknown field": (
        lambda claim: [claim(id="typo", numerater={"dataset": "sin_national", "period": "2021"})],
        ("claim 'typo'", "field 'numerater'", "unknown field"),
    ),
    "unknown field in a reference": (
        lambda claim: [
            claim(id="typo2", numerator={"dataset": "sin_national", "period": "2021", "cat": "x"})
        ],
        ("claim 'typo2'", "field 'numerator.cat'", "unknown field"),
    ),
    "duplicate key": (
        "- id: dup-key\n  id: again\n  statement: s\n",
        ("duplicate key 'id'", "line 2"),
    ),
    "anchor and alias": (
        "- &c {id: a}\n- *c\n",
        ("YAML anchor", "not allowed"),
    ),
    "ambiguous reference": (
        lambda claim: [
            claim(
                id="ambiguous",
                numerator={"dataset": "characteristics", "period": "2013-14", "category": "Total"},
            )
        ],
        ("claim 'ambiguous'", "field 'numerator'", "matches 2 figures"),
    ),
    "rate over a count": (
        lambda claim: [
            claim(
                id="rate-count",
                kind="rate",
                published=1,
                denominator={"dataset": "sin_national", "period": "2020-21"},
            )
        ],
        ("claim 'rate-count'", "field 'denominator'", "population"),
    ),
    "population for a share": (
        lambda claim: [
            claim(id="pop-share", kind="share", published=1, denominator={"population": "England"})
        ],
        ("claim 'pop-share'", "field 'denominator'", "kind 'rate' only"),
    ),
    "expect without reason": (
        lambda claim: [claim(id="no-reason", expect="cannot check")],
        ("claim 'no-reason'", "field 'reason'", "needs a reason"),
    ),
    "unknown model target": (
        lambda claim: [claim(id="model", interval_model="uncertainty", model_target="everything")],
        ("claim 'model'", "field 'model_target'", "unknown target"),
    ),
    "not utf-8": (b"- id: caf\xe9\n", ("not UTF-8", "line 1")),
    "two documents": ("- id: a\n---\n- id: b\n", ("not valid YAML",)),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_claims_file_is_rejected(
    case: str, tmp_path: Path, make_claim: Factory, write_claims: Writer, run_cli: Runner
) -> None:
    content, expected = HOSTILE[case]
    if callable(content):
        content = content(make_claim)
    path = write_claims(content, "hostile.yml")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "verify.json"
    code, stdout, err = run_cli(
        ["verify", "--claims", str(path), "--format", "json", "--output", str(target)]
    )
    assert code == 2, err
    assert err.startswith("error: ") and str(path) in err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    assert stdout == ""
    assert not target.exists() and list(out_dir.iterdir()) == []


def test_claims_error_carries_claim_and_field(make_claim: Factory, write_claims: Writer) -> None:
    path = write_claims([make_claim(), make_claim(id="bad", kind="median", url="x")])
    with pytest.raises(claims.ClaimsError) as exc:
        claims.load_claims(path)
    err = exc.value
    assert isinstance(err, ConfigError)
    assert err.claim_id == "bad" and err.field == "kind" and err.key == "bad.kind"
    assert len(err.problems) == 2  # every problem is listed, not only the first
    assert {p.field for p in err.problems} == {"kind", "url"}
    assert all(p.line is not None and p.line > 1 for p in err.problems)


def test_missing_claims_file(tmp_path: Path, run_cli: Runner) -> None:
    code, _, err = run_cli(["verify", "--claims", str(tmp_path / "none.yml")])
    assert code == 2 and "file not found" in err


def test_too_large_claims_file_and_text(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    big.write_bytes(b"#" * 1_000_001)
    with pytest.raises(claims.ClaimsError, match="file is 1,000,001 bytes; a claims file may hold"):
        claims.load_claims(big)
    for text in ("#" * 1_000_001, b"#" * 1_000_001):
        with pytest.raises(claims.ClaimsError, match="may hold at most 1 MB"):
            claims.loads_claims(text)


def test_unreadable_claims_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.yml"
    path.write_text("- id: a\n", encoding="utf-8")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(claims.ClaimsError, match="cannot read the file: Permission denied"):
        claims.load_claims(path)


def test_utf8_byte_order_mark_is_accepted(make_claim: Factory) -> None:
    raw = b"\xef\xbb\xbf" + yaml.safe_dump([make_claim()], sort_keys=False).encode()
    (c,) = claims.loads_claims(raw, path="bom.yml")
    assert c.id == "user-claim" and c.file == "bom.yml" and c.line == 1


def test_deep_nesting_and_non_text_keys_are_refused(make_claim: Factory) -> None:
    deep: object = "x"
    for _ in range(20):
        deep = {"x": deep}
    with pytest.raises(claims.ClaimsError, match="nested too deeply"):
        claims.parse_claims([make_claim(explanation=deep)])
    with pytest.raises(claims.ClaimsError, match="field names must be text"):
        claims.parse_claims([{**make_claim(), 1: "one"}])


def test_schema_file_is_valid_and_matches_the_kinds() -> None:
    schema = claims.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$defs"]["claim"]["properties"]["kind"]["enum"] == list(claims.KINDS)
    # The register itself passes the schema alone.
    register_claims = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(register_claims)


def test_schema_ships_next_to_the_code() -> None:
    here = Path(register.__file__).with_name("claims.schema.json")
    assert here.is_file()
    assert claims.schema() == yaml.safe_load(here.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Fuzzing the reader: a valid result or a ConfigError, never another exception
# ---------------------------------------------------------------------------------------------

# The fields the fuzzers vary: every field of the conftest's valid claim, then optional ones.
FIELDS = [
    *("id", "statement", "source", "url", "published", "decimals", "kind", "numerator"),
    *("denominator", "qualifier", "expect", "reason", "explanation", "interval_model"),
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["2021", "2025-26", "2020-21 H1", "Total", "count", "share", "sin_national"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from([*FIELDS, "dataset", "period", "x"]), inner, max_size=5)
    ),
    max_leaves=12,
)


def check_reader(call: Any) -> None:
    try:
        result = call()
    except ConfigError as err:
        assert str(err)
    else:
        assert isinstance(result, list) and result
        assert all(isinstance(c, claims.Claim) for c in result)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_text(text: str) -> None:
    check_reader(lambda: claims.loads_claims(text))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_bytes(raw: bytes) -> None:
    check_reader(lambda: claims.loads_claims(raw))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_fuzz_structures(obj: object) -> None:
    check_reader(lambda: claims.parse_claims(obj))
    text = yaml.safe_dump(obj, allow_unicode=True)
    check_reader(lambda: claims.loads_claims(text))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), json_values, st.sampled_from(["replace", "numerator", "drop"]))
def test_fuzz_one_field_of_a_valid_claim(
    make_claim: Factory, field: str, value: object, where: str
) -> None:
    entry = make_claim()
    if where == "drop":
        entry.pop(field, None)
    elif where == "numerator" and isinstance(value, dict | str | int):
        entry["numerator"] = {**entry["numerator"], "period": value}
    else:
        entry[field] = value
    check_reader(lambda: claims.parse_claims([entry]))


HOSTILE_FRAGMENTS = [
    "!!python/object/apply:os.system ['ls']",
    "&a [*a, *a]",
    "[" * 200,
    "{" * 200,
    "- " * 200,
    "? [a, b]\n: c",
    "%TAG ! tag:x,2000:\n---\n- !x 1",
    "<<: {id: a}",
    "'\\x00'",
    "\t- id: a",
    "9" * 5000,
    "2021-01-01",
    ".nan",
    "- {id: a, id: b}",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(HOSTILE_FRAGMENTS), min_size=1, max_size=4),
    st.sampled_from(FIELDS),
)
def test_fuzz_hostile_fragments(make_claim: Factory, fragments: list[str], field: str) -> None:
    body = yaml.safe_dump([make_claim()], sort_keys=False)
    for fragment in fragments:
        variants = [
            fragment,
            body + fragment,
            body.replace(f"  {field}:", f"  {field}: {fragment}\n  x{field}:", 1),
        ]
        for text in variants:
            check_reader(lambda text=text: claims.loads_claims(text))
