"""The one place where recognisers are registered, looked up by name and built for a run.

To add a recogniser: write a small :class:`~pipeline.recognisers.base.Recogniser` subclass
with a unique ``name`` and list it in :data:`RECOGNISERS`; it can then be enabled in
``params.yaml`` (``anonymise.recognisers``). Order in params is priority when spans overlap.
"""

from __future__ import annotations

from pipeline.errors import QualevalError
from pipeline.recognisers import gazetteers, legal, names, ner, patterns, register
from pipeline.recognisers.base import Recogniser, RecogniserContext

RECOGNISERS: dict[str, type[Recogniser]] = {
    cls.name: cls
    for cls in (
        register.RegisterRecogniser,
        register.KnownPeopleRecogniser,
        register.ReviewRecogniser,
        patterns.EmailRecogniser,
        patterns.UrlRecogniser,
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
