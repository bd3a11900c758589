"""The one place where recognisers are registered, looked up by name and built for a run.

To add a recogniser: write a small :class:`~pipeline.recognisers.base.Recogniser` subclass
with a unique ``name`` and list it in :data:`RECOGNISERS`; it can then be enabled in
``params.yaml`` (``anonymise.recognisers``). Order in params is priority when spans overlap.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pipeline.errors import QualevalError
from pipeline.recognisers import gazetteers, known, legal, names, ner, patterns
from pipeline.recognisers.base import Recogniser, RecogniserContext

RECOGNISERS: dict[str, type[Recogniser]] = {
    cls.name: cls
    for cls in (
        known.RegisterRecogniser,
        known.KnownPeopleRecogniser,
        known.ReviewRecogniser,
        patterns.EmailRecogniser,
        patterns.UrlRecogniser,
        patterns.SpokenAddressRecogniser,
        patterns.HandleRecogniser,
        patterns.NhsNumberRecogniser,
        patterns.PhoneRecogniser,
        patterns.SpokenPhoneRecogniser,
        patterns.PostcodeRecogniser,
        patterns.NinoRecogniser,
        patterns.DateRecogniser,
        gazetteers.TitledNameRecogniser,
        gazetteers.CouncilRecogniser,
        gazetteers.FacilityRecogniser,
        gazetteers.PlaceRecogniser,
        names.FirstNameRecogniser,
        # opt-in, for legal and official documents (see benchmarks/bench_tab.py)
        legal.CaseNumberRecogniser,
        legal.YearRecogniser,
        legal.DemographicRecogniser,
        legal.CountryRecogniser,
        legal.WorldPlaceRecogniser,
        legal.AmountRecogniser,
        legal.InstitutionRecogniser,
        legal.DurationRecogniser,
        ner.SpacyNerRecogniser,
    )
}


@dataclass(frozen=True)
class Trust:
    """How far the anonymise stage trusts one detection source.

    The fields mean what :class:`~pipeline.recognisers.base.Recogniser`'s ``tier``,
    ``trusted`` and ``namespaced`` class attributes mean; the defaults are the base class's.
    """

    tier: int = Recogniser.tier
    trusted: bool = Recogniser.trusted
    namespaced: bool = Recogniser.namespaced


# Detection sources that are not recogniser classes: the anonymise stage's own steps.
OTHER_SOURCES: dict[str, Trust] = {
    # further occurrences of names already detected: the least sure of all
    "propagation": Trust(tier=3, trusted=False),
    # the anonymise stage's evidence rules (a place's nickname written next to it)
    "evidence": Trust(tier=1, trusted=False),
}


@functools.cache
def trust(source: str) -> Trust:
    """The trust of a detection source (a recogniser's name, or another source's).

    A registered recogniser's class attributes, else :data:`OTHER_SOURCES`, else the
    defaults (a source nobody registered).
    """
    cls = RECOGNISERS.get(source)
    if cls is not None:
        return Trust(tier=cls.tier, trusted=cls.trusted, namespaced=cls.namespaced)
    return OTHER_SOURCES.get(source, Trust())


def check_names(names: list[str], where: str = "params.yaml: anonymise.recognisers") -> None:
    """Refuse unknown or repeated recogniser names.

    Raises:
        QualevalError: naming the position of the first bad name and the valid choices.
    """
    seen = set()
    for i, name in enumerate(names):
        if name not in RECOGNISERS:
            raise QualevalError(
                f"{where}[{i}]: unknown recogniser {name!r}; choose from "
                f"{', '.join(sorted(RECOGNISERS))}"
            )
        if name in seen:
            raise QualevalError(f"{where}[{i}]: {name!r} is listed twice; keep one")
        seen.add(name)


def build(names: list[str], context: RecogniserContext) -> list[Recogniser]:
    """Instantiate the named recognisers, in priority order."""
    check_names(names)
    return [RECOGNISERS[name].from_context(context) for name in names]
