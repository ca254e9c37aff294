"""Presidio recognizers configured for offline use, plus the ones Presidio lacks (street addresses).

Everything here is configuration of Presidio's own framework: predefined recognizer classes chosen
per entity, an e-mail recognizer whose domain check uses an offline public-suffix snapshot, a
pattern recognizer for street addresses, and a URL recognizer that ignores file names.
"""

from __future__ import annotations

import functools
import re

import tldextract
from presidio_analyzer import (
    EntityRecognizer,
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UkNinoRecognizer,
    UkPassportRecognizer,
    UkPostcodeRecognizer,
    UrlRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
    UsSsnRecognizer,
)

# Typed placeholder written in place of each entity.
PLACEHOLDERS: dict[str, str] = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CARD_NUMBER",
    "US_SSN": "SSN",
    "US_ITIN": "TAX_ID",
    "US_PASSPORT": "PASSPORT",
    "UK_PASSPORT": "PASSPORT",
    "US_DRIVER_LICENSE": "DRIVER_LICENSE",
    "US_BANK_NUMBER": "BANK_ACCOUNT",
    "IBAN_CODE": "IBAN",
    "UK_NHS": "NHS_NUMBER",
    "UK_NINO": "NATIONAL_INSURANCE",
    "UK_POSTCODE": "POSTCODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "STREET_ADDRESS": "ADDRESS",
    "URL": "URL",
    "PERSON": "PERSON",
}


@functools.cache
def offline_tld_extractor() -> tldextract.TLDExtract:
    """tldextract from the snapshot bundled with the package: no HTTP, no cache directory writes."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, validating the domain against the bundled suffix list only."""

    def validate_result(self, pattern_text: str) -> bool:
        return offline_tld_extractor()(pattern_text).fqdn != ""


# Suffixes a link written without http:// or www. must end in to count (most other country and generic
# suffixes collide with file extensions and attribute names: .py, .sh, .md, .name, .style, .top ...).
_BARE_HOST_SUFFIXES = frozenset({
    "com", "org", "net", "edu", "gov", "io", "co", "uk", "us", "ca", "au", "de", "fr", "nl", "es", "ie",
    "info", "biz", "dev", "app", "page", "site", "online", "blog", "design", "tech", "me",
})


class PersonalUrlRecognizer(UrlRecognizer):
    """Presidio's URL recognizer minus file names (``main.py``) and bare links to public sites."""

    # Presidio's pattern stops at the first matching suffix ("https://x.desi" out of "https://x.design/cv");
    # any http(s) link up to the next space is taken whole as well.
    SCHEME_PATTERN = Pattern("Any http(s) URL", r"(?i)\bhttps?://[^\s()<>\"'\]\[]+", 0.6)

    def __init__(self, public_domains: tuple[str, ...] = (), **kwargs: object) -> None:
        super().__init__(patterns=[*UrlRecognizer.PATTERNS, self.SCHEME_PATTERN], **kwargs)
        self.public_domains = frozenset(d.lower() for d in public_domains)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        """Presidio's matches, minus those glued to identifier characters (``document.getElementById``
        would otherwise yield the "URL" ``document.ge``, ``.ge`` being Georgia's domain)."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags) or []
        return [r for r in results
                if not (r.end < len(text) and (text[r.end].isalnum() or text[r.end] == "_"))
                and not (r.start > 0 and (text[r.start - 1].isalnum() or text[r.start - 1] in "_@."))]

    def invalidate_result(self, pattern_text: str) -> bool:
        text = pattern_text.strip("\"'").rstrip("/.,;:")
        lowered = text.lower()
        has_scheme = lowered.startswith(("http://", "https://"))
        bare = re.sub(r"^https?://", "", lowered)
        host, _, path = bare.partition("/")
        if not has_scheme and not host.startswith("www.") and not path:
            # a bare host name ("janedoe.dev") counts only with a common web suffix and in lower case, so
            # file names (main.py) and code (self.name, box.style) are not read as links
            bare_host = text.split("/", 1)[0]
            if host.rsplit(".", 1)[-1] not in _BARE_HOST_SUFFIXES or bare_host != bare_host.lower():
                return True
        parts = offline_tld_extractor()(host)
        registered = parts.top_domain_under_public_suffix
        return not path and parts.subdomain in ("", "www") and registered in self.public_domains


_CAP = r"(?:[A-Z][a-zA-Z'\-]+|[0-9]{1,3}(?:st|nd|rd|th))"  # a capitalised street-name word or "5th"
_SUFFIX = (
    r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|way|terrace|"
    r"close|crescent|parkway|pkwy|highway|hwy|square|sq|circle|cir|trail|grove|gardens|mews|row|walk|hill)"
)
_UNIT = r"(?:,?\s+(?i:apt|apartment|unit|suite|ste|flat|floor|#)\.?\s*#?[A-Za-z0-9\-]{1,6})?"
_CITY = r"(?:(?:,\s*|\s+)[A-Z][a-z]+(?:[ \-][A-Z][a-z]+){0,2})?"
_REGION = r"(?:,?\s*(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|\d{4,5}))?"
_STREET = (
    r"\b(?:(?i:flat|apt|apartment|unit)\s+[0-9A-Za-z]{1,5},?\s+)?\d{1,5}[A-Za-z]?\s+"
    rf"(?:{_CAP}\s+){{1,4}}{_SUFFIX}\b\.?{_UNIT}{_CITY}{_REGION}"
)
_PO_BOX = r"\b(?i:p\.?\s?o\.?\s+box)\s+\d{1,6}\b"


class StreetAddressRecognizer(PatternRecognizer):
    """House number, capitalised street name, street-type word; optional unit, city, ZIP or postcode."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            name="StreetAddressRecognizer",
            patterns=[Pattern("street address", _STREET, 0.6), Pattern("PO box", _PO_BOX, 0.6)],
            context=["address", "live", "lives", "living", "moved", "apartment", "flat", "ship", "deliver",
                     "street", "house", "home", "mail"],
            global_regex_flags=re.MULTILINE,
        )


# Where chats introduce people by name: self-introductions, greetings, sign-offs and relations.
_NAME = r"[A-Z][a-z]+(?:[\-'][A-Z]?[a-z]+)?(?: [A-Z][a-z]+(?:[\-'][A-Z]?[a-z]+)?){0,2}"
_INTRO = r"(?i:my name is|my name's|i am|i'm|call me|name:|signed|bill to|billed to|invoice to|attn:?|c/o)"
_GREETING = r"(?i:dear|hi|hello|hey|thanks|thank you)"
_SIGN_OFF = (r"(?i:regards|thank you|thanks|sincerely|best wishes|best|cheers|yours truly|love),?"
             r"[ \t]*\n[ \t]*")
_RELATION = (r"(?i:manager|landlord|landlady|doctor|dr\.?|gp|colleague|boss|wife|husband|partner|son|"
             r"daughter|mother|father|mum|mom|dad|sister|brother|friend|neighbou?r|tenant|client|teacher|lawyer|"
             r"coworker|co-worker|roommate|flatmate)(?: is| was| named| called|,)?")
_NOT_A_NAME = frozenset({"The", "This", "That", "It", "There", "Here", "Sure", "Yes", "No", "Ok", "Okay",
                         "Please", "Thanks", "Thank", "Hello", "Hi", "Dear", "Not", "Just", "Also", "So"})


class NameCueRecognizer(PatternRecognizer):
    """Capitalised words right after a cue that introduces a person ("my name is", "Dear", "Regards,").

    Complements spaCy's small NER model, which misses many names in short chat turns; anything found is
    then replaced throughout the conversation by the scrubber's propagation step.
    """

    def __init__(self) -> None:
        patterns = [Pattern(name, rf"(?<=\b{cue}\s+){_NAME}\b", 0.6) for name, cue in (
            ("introduction", _INTRO), ("greeting", _GREETING), ("relation", _RELATION))]
        patterns.append(Pattern("sign-off", rf"(?<={_SIGN_OFF}){_NAME}[ \t]*$", 0.6))
        full_name = r"[A-Z][a-z]+ [A-Z][a-z]+(?:[\-'][A-Z]?[a-z]+)?"
        patterns.append(Pattern("this is", rf"(?<=\b(?i:this is)\s+){full_name}\b", 0.6))
        super().__init__(supported_entity="PERSON", name="NameCueRecognizer", patterns=patterns,
                         global_regex_flags=re.MULTILINE)

    def invalidate_result(self, pattern_text: str) -> bool:
        return pattern_text.split()[0] in _NOT_A_NAME


class ProperNounRunRecognizer(LocalRecognizer):
    """Two or three adjacent title-case proper nouns (spaCy tagger) read as a person's full name.

    spaCy's small NER model often labels unfamiliar full names as places or organisations, or not at
    all ("forward the logs to Diego Adeyemi"). Runs that the NER model calls a date, product, event,
    law, language or work of art are skipped (not NORP: it often mislabels full names). The price is
    that some places and brand names are replaced too.
    """

    SKIP_LABELS = frozenset({"DATE", "TIME", "PRODUCT", "EVENT", "LAW", "LANGUAGE", "WORK_OF_ART", "MONEY",
                             "CARDINAL", "ORDINAL", "QUANTITY", "PERCENT"})
    _MONTHS_DAYS = frozenset({
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    })

    def __init__(self, score: float = 0.4) -> None:
        self.score = score
        super().__init__(supported_entities=["PERSON"], name="ProperNounRunRecognizer",
                         supported_language="en")

    def load(self) -> None:
        """Nothing to load: works on the tokens the NLP engine already produced."""

    def _is_name_token(self, tok: object) -> bool:
        text = tok.text
        return (tok.tag_ == "NNP" and tok.is_alpha and len(text) >= 2 and text[0].isupper()
                and text[1:].islower() and text not in _NOT_A_NAME and text not in self._MONTHS_DAYS)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list[RecognizerResult]:
        doc = getattr(nlp_artifacts, "tokens", None)
        if doc is None or "PERSON" not in entities:
            return []
        skip = {i for ent in doc.ents if ent.label_ in self.SKIP_LABELS for i in range(ent.start, ent.end)}
        # only NNP tokens can qualify: find them in the tag array instead of visiting every token
        proper = (doc.to_array("TAG") == doc.vocab.strings["NNP"]).nonzero()[0] if len(doc) else []
        qualifying = [int(i) for i in proper if int(i) not in skip and self._is_name_token(doc[int(i)])]
        results, run = [], []
        for i in [*qualifying, None]:  # maximal runs of adjacent qualifying tokens
            if i is not None and run and i == run[-1] + 1:
                run.append(i)
                continue
            if 2 <= len(run) <= 3:
                start, end = doc[run[0]].idx, doc[run[-1]].idx + len(doc[run[-1]].text)
                results.append(RecognizerResult("PERSON", start, end, self.score))
            run = [i] if i is not None else []
        return results


_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_A-Z]+(?:[-'\u2019][^\W\d_][^\W\d_A-Z]*)*$")


def looks_like_name(span: str) -> bool:
    """Every word capitalised then lower-case letters: "Priya Raman", "O'Neil"; not "rect2", "XML",
    "fillColor", "no_above" (code identifiers spaCy's small model often tags as people)."""
    words = span.split()
    return bool(words) and all(_NAME_WORD.match(w) and w[0].isupper() for w in words)


class NameShapedSpacyRecognizer(SpacyRecognizer):
    """Presidio's spaCy PERSON recognizer keeping only name-shaped spans."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts) or []
        return [r for r in results if looks_like_name(text[r.start:r.end].strip(" .,;:'\""))]


def pattern_recognizers(entities: tuple[str, ...], public_domains: tuple[str, ...] = ()
                        ) -> list[EntityRecognizer]:
    """The recognizers that need no NLP model, for the requested entities."""
    makers = {
        "EMAIL_ADDRESS": OfflineEmailRecognizer,
        "PHONE_NUMBER": PhoneRecognizer,
        "CREDIT_CARD": CreditCardRecognizer,
        "US_SSN": UsSsnRecognizer,
        "US_ITIN": UsItinRecognizer,
        "US_PASSPORT": UsPassportRecognizer,
        "US_DRIVER_LICENSE": UsLicenseRecognizer,
        "US_BANK_NUMBER": UsBankRecognizer,
        "IBAN_CODE": IbanRecognizer,
        "UK_NHS": NhsRecognizer,
        "UK_NINO": UkNinoRecognizer,
        "UK_PASSPORT": UkPassportRecognizer,
        "UK_POSTCODE": UkPostcodeRecognizer,
        "IP_ADDRESS": IpRecognizer,
        "STREET_ADDRESS": StreetAddressRecognizer,
        "URL": functools.partial(PersonalUrlRecognizer, public_domains=public_domains),
    }
    unknown = [e for e in entities if e not in makers and e != "PERSON"]
    if unknown:
        raise ValueError(f"unknown privacy entities {unknown}; known: {sorted([*makers, 'PERSON'])}")
    return [makers[e]() for e in entities if e in makers]


def build_registry(entities: tuple[str, ...], public_domains: tuple[str, ...] = (),
                   proper_noun_runs: bool = True) -> RecognizerRegistry:
    """A registry holding exactly the recognizers for ``entities`` (PERSON comes from spaCy's NER)."""
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in pattern_recognizers(entities, public_domains):
        registry.add_recognizer(recognizer)
    if "PERSON" in entities:
        registry.add_recognizer(NameShapedSpacyRecognizer(supported_entities=["PERSON"]))
        registry.add_recognizer(NameCueRecognizer())
        if proper_noun_runs:
            registry.add_recognizer(ProperNounRunRecognizer())
    return registry
