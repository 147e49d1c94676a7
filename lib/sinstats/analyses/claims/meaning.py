"""Meaning as well as number: what each figure counts, and whether a statement says the same.

A number can reproduce and still be misdescribed: "almost 400 children were seriously abused or
neglected" rests on 379 *notifications* (incidents, not children) made when abuse or neglect
was *known or suspected* (not proven). A claim may declare what its statement says is counted
(``says``: ``counts`` children, notifications or serious case reviews; ``abuse`` proven or
suspected; ``deaths`` caused by abuse, or where abuse or neglect was known or suspected), and
:func:`meaning_verdict` compares that with what each figure counts (:func:`counted`, from
:data:`COUNTED`, each entry with the publisher's words and address), giving the second verdict:
``describes: counts ...`` or ``misdescribes: counts notifications of suspected abuse, not
children abused``. A figure whose meaning is not declared here gets ``not compared``.

Which figures are compared: the numerator of every kind (the number the statement gives is
about it), and for ``percent_change`` and ``difference`` the earlier figure too (a change
between two counts of the same thing). The denominator of a share, ratio or rate is its base,
not what the statement says is counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final, NamedTuple

from sinstats.analyses.claims.records import FigureUsed
from sinstats.analyses.claims.register import Claim, Says

__all__ = [
    "COUNTED",
    "DUTY_URL",
    "MEANING_VERDICTS",
    "Counted",
    "Meaning",
    "counted",
    "meaning_verdict",
]

#: The second verdicts, besides ``""`` (the claim declares nothing).
MEANING_VERDICTS: Final = ("describes", "misdescribes", "not compared")

#: The government's guidance to local authorities on notifying the Panel (gov.uk), which states
#: the duty (Children Act 2004 s16C: abuse or neglect "known or suspected") and the counting unit.
DUTY_URL: Final = "https://www.gov.uk/guidance/report-a-serious-child-safeguarding-incident"
_DUTY_QUOTE: Final = (
    "You must notify the Panel if it's known or suspected that a child has been abused or "
    "neglected. ... For looked-after children, you must notify us of their death whether or not "
    "you know or suspect abuse or neglect. ... You must raise only 1 notification per incident, "
    "even if more than 1 child is affected."
)
# The same page's earlier version: a death is notified child by child.
_ONE_CHILD_QUOTE: Final = (
    "For cases of child death, you should: submit a separate notification form for each child "
    "that died"
)
_ONE_CHILD_URL: Final = DUTY_URL
_PANEL_2020_URL: Final = (
    "https://www.suttonlscp.org.uk/news/article/safeguarding-children-and-young-people."
    "2021-05-19.8gz693n6k1"
)


class Counted(NamedTuple):
    """What a dataset's measure counts, with the publisher's words and address.

    Attributes
    ----------
    unit : str
        ``"notifications"``, ``"children"``, ``"serious_case_reviews"`` or ``"population"``.
    abuse : str or None
        ``"suspected"`` when the thing counted is made because abuse or neglect was known or
        suspected (never a finding that it happened); None when abuse does not come into it.
    source : str
        The publisher's page that says so.
    quote : str
        Its words.
    """

    unit: str
    abuse: str | None
    source: str
    quote: str


_NOTIFICATIONS: Final = Counted("notifications", "suspected", DUTY_URL, _DUTY_QUOTE)

#: What each (dataset, measure) counts. Ofsted's notifications (sin_national to 2017-18,
#: characteristics before 2014-15) were made under Working Together on the same "known or
#: suspected" criteria (docs/glossary.md quotes Ofsted's 2015-16 release), so one entry serves.
COUNTED: Final[Mapping[tuple[str, str], Counted]] = MappingProxyType(
    {
        ("sin_national", "number_notifications"): _NOTIFICATIONS,
        ("characteristics", "number_notifications"): _NOTIFICATIONS,
        ("panel_notifications", "number_notifications"): _NOTIFICATIONS,
        ("panel_notifications", "number_notified_deaths"): _NOTIFICATIONS,
        ("panel_notifications", "number_children"): Counted(
            "children",
            "suspected",
            _PANEL_2020_URL,
            "The Panel received notification of 482 serious incidents between 1 January and 31 "
            "December 2020, relating to 514 children. (Panel annual report 2020, as summarised "
            "by Sutton LSCP: a secondary report)",
        ),
        ("characteristics", "number_serious_case_reviews"): Counted(
            "serious_case_reviews",
            None,
            "https://www.communitycare.co.uk/2014/09/26/serious-case-reviews-rise-54-year-finds-ofsted/",
            "143 serious case reviews (SCRs) were carried out by Local Safeguarding Children "
            "Boards (Ofsted's statistics, as reported by Community Care: a secondary report)",
        ),
        ("characteristics", "number_serious_case_reviews_planned"): Counted(
            "serious_case_reviews",
            None,
            "https://www.nspcc.org.uk/what-we-do/news-opinion/serious-incident-notifications-england-2015-16/",
            "Ofsted was informed that a serious case review (SCR) would be carried out for 134 "
            "(35%) of the incidents. (NSPCC, reporting Ofsted's statistics: a secondary report)",
        ),
        # The figure's own source (ONS) is used: see _facts.
        ("population_0_17", "population_estimate"): Counted("population", None, "", ""),
    }
)

# How each unit is named in the verdict.
_UNIT_WORDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "notifications": "notifications",
        "children": "children",
        "serious_case_reviews": "serious case reviews",
        "population": "children in the population",
    }
)


class Meaning(NamedTuple):
    """The second verdict: whether the statement says what its figures count.

    Attributes
    ----------
    verdict : str
        ``""`` (the claim declares nothing), or one of :data:`MEANING_VERDICTS`.
    text : str
        ``counts notifications of suspected abuse, not children abused`` (misdescribes),
        ``counts notifications of suspected abuse`` (describes), or why it was not compared.
    sources : tuple of str
        The addresses of what the figures count.
    """

    verdict: str
    text: str
    sources: tuple[str, ...] = ()

    def label(self) -> str:
        """Return ``misdescribes: counts ...`` (``""`` when the claim declares nothing)."""
        return f"{self.verdict}: {self.text}" if self.verdict else ""


class _Facts(NamedTuple):
    """What one figure counts, in the terms of ``says``."""

    unit: str
    abuse: str | None
    deaths: str | None  # "abuse_known_or_suspected" for death notifications, else None
    nature: str  # "Child death", "Serious harm", "Other", "Total" or ""
    one_child_each: bool
    source: str


def counted(f: FigureUsed) -> Counted | None:
    """Return what a figure counts, or None when :data:`COUNTED` does not declare it.

    Parameters
    ----------
    f : FigureUsed
        A figure a claim was recomputed from.

    Returns
    -------
    Counted or None
    """
    return COUNTED.get((f.figure.dataset, f.figure.measure))


def _nature(f: FigureUsed) -> str:
    category = f.figure.category.strip().lower()
    for nature in ("Child death", "Serious harm", "Other", "Total"):
        if category == nature.lower():
            return nature
    return ""


def _facts(f: FigureUsed) -> _Facts | None:
    found = counted(f)
    if found is None:
        return None
    nature = _nature(f) if found.unit == "notifications" else ""
    deaths = "abuse_known_or_suspected" if nature == "Child death" else None
    return _Facts(
        unit=found.unit,
        abuse=found.abuse,
        deaths=deaths,
        nature=nature,
        one_child_each=nature == "Child death",
        source=found.source or f.figure.source_url,
    )


def _figure_words(facts: _Facts) -> str:
    """Say what a figure counts in a few words: ``notifications of suspected abuse``."""
    unit = _UNIT_WORDS[facts.unit]
    if facts.deaths == "abuse_known_or_suspected":
        return (
            f"{unit} of child deaths where abuse or neglect was known or suspected (or the child "
            "was looked after), one child each"
        )
    if facts.nature == "Serious harm":
        return f"{unit} of serious harm where abuse or neglect was known or suspected"
    if facts.abuse == "suspected":
        return f"{unit} of suspected abuse"
    return unit


def _of(noun: str, what: str) -> str:
    return f"{noun} of {what}" if noun else what


def _claim_words(says: Says) -> str:
    """Say what the statement says is counted in a few words: ``children abused``."""
    noun = _UNIT_WORDS.get(says.counts or "", "")
    children = says.counts == "children"
    if says.deaths == "caused_by_abuse":
        return "children who died of abuse" if children else _of(noun, "deaths caused by abuse")
    if says.deaths == "abuse_known_or_suspected":
        if children:
            return "children who died where abuse or neglect was known or suspected"
        return _of(noun, "deaths where abuse or neglect was known or suspected")
    if says.abuse == "proven":
        return "children abused" if children else _of(noun, "proven abuse")
    if says.abuse == "suspected":
        suspected = "children suspected to have been abused"
        return suspected if children else _of(noun, "suspected abuse")
    return noun


def _mismatches(says: Says, facts: _Facts) -> list[str]:
    """Return the aspects the statement gets wrong about one figure."""
    wrong = []
    if says.counts is not None and says.counts != facts.unit:
        if not (says.counts == "children" and facts.one_child_each):
            wrong.append("counts")
    if says.abuse is not None and says.abuse != facts.abuse:
        wrong.append("abuse")
    if says.deaths is not None and says.deaths != facts.deaths:
        wrong.append("deaths")
    return wrong


def _compared(claim: Claim, figures: Sequence[FigureUsed]) -> list[FigureUsed]:
    """Return the figures whose meaning the statement describes (module docstring)."""
    both = claim.kind in ("percent_change", "difference")
    return [f for f in figures if f.role == "numerator" or (both and f.role == "denominator")]


def meaning_verdict(claim: Claim, figures: Sequence[FigureUsed]) -> Meaning:
    """Compare what the statement says is counted with what its figures count.

    Parameters
    ----------
    claim : Claim
        Its ``says`` is compared (nothing when it declares none).
    figures : sequence of FigureUsed
        The figures the claim was recomputed from.

    Returns
    -------
    Meaning
        ``describes`` when every declared aspect (counts, abuse, deaths) matches every figure
        compared; ``misdescribes`` naming what the figure counts and what the statement says
        instead; ``not compared`` when a figure's meaning is not declared in :data:`COUNTED`
        or no figure was resolved. ``Meaning("", "")`` when the claim declares nothing.

    Notes
    -----
    A death notification concerns one child (the notification guidance, :data:`DUTY_URL`, in
    its 2018 version: "For cases of child death, you should: submit a separate notification form
    for each child that died"), so a statement about
    children who died describes a count of death notifications; a total or serious-harm count
    does not count children (one notification can concern several). DfE says this of the
    notifications it publishes; for the Panel's counts, notifications to the Panel under the
    same duty, it is an assumption. "Suspected" stands for
    the duty's "known or suspected": a notification is never a finding that abuse happened.
    """
    says = claim.says
    if says is None:
        return Meaning("", "")
    compared = _compared(claim, figures)
    if not compared:
        return Meaning("not compared", "no figure was resolved to compare it with")
    sources: list[str] = []
    for f in compared:
        facts = _facts(f)
        if facts is not None and says.counts == "children" and facts.one_child_each:
            sources.append(_ONE_CHILD_URL)
        if facts is None:
            fig = f.figure
            return Meaning(
                "not compared",
                f"what {fig.dataset} {fig.measure} counts is not declared in sinstats "
                "(sinstats.analyses.claims.meaning.COUNTED)",
            )
        sources.append(facts.source)
        if _mismatches(says, facts):
            which = "" if f.role == "numerator" else "the earlier figure "
            text = f"{which}counts {_figure_words(facts)}, not {_claim_words(says)}"
            return Meaning("misdescribes", text, tuple(dict.fromkeys(sources)))
    first = _facts(compared[0])
    assert first is not None
    return Meaning("describes", f"counts {_figure_words(first)}", tuple(dict.fromkeys(sources)))
