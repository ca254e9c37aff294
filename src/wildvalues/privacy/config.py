"""Settings of the privacy stage: what to scrub, how sure to be, and the aggregation thresholds.

Defaults follow Clio's defence in depth (Tamkin et al. 2024) as used in Values in the Wild (section 2.2):
scrub before any LLM sees a transcript, check every LLM-written label afterwards, report only
aggregates backed by at least ``min_conversations`` conversations and ``min_users`` distinct users,
and withhold clusters that an LLM auditor rates below ``min_audit_rating`` on the 1-5 scale.
"""

from typing import Literal

from pydantic import BaseModel, Field, field_validator

# Presidio entity names scrubbed by default (STREET_ADDRESS is our own recognizer; see recognizers.py).
DEFAULT_ENTITIES: tuple[str, ...] = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "US_ITIN",
    "US_PASSPORT",
    "US_DRIVER_LICENSE",
    "US_BANK_NUMBER",
    "IBAN_CODE",
    "UK_NHS",
    "UK_NINO",
    "UK_PASSPORT",
    "UK_POSTCODE",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "URL",
    "PERSON",
)


class PrivacyConfig(BaseModel):
    scrub: bool = True
    entities: list[str] = Field(default_factory=lambda: list(DEFAULT_ENTITIES))
    # Presidio confidence a finding needs to be replaced (weak id patterns only pass with context words).
    score_threshold: float = 0.35
    # Bare links to these public sites are kept (a path or a personal sub-domain is still scrubbed).
    public_domains: list[str] = Field(default_factory=lambda: [
        "wikipedia.org", "python.org", "google.com", "youtube.com", "amazon.com", "github.com",
        "stackoverflow.com", "openai.com", "anthropic.com", "microsoft.com", "apple.com", "bbc.co.uk",
    ])
    # Also read runs of 2-3 title-case proper nouns as names (catches names spaCy's NER mislabels, at the
    # cost of replacing some place and brand names too).
    proper_noun_runs: bool = True
    # Names found anywhere in a conversation are replaced in all its messages (catches NER misses).
    propagate_within_conversation: bool = True
    batch_conversations: int = 64  # conversations per database write / spaCy pipe batch
    # "segmented": spaCy's tagger and NER run only on the lines that may hold a name, batched across
    # conversations (privacy/segmented.py); "full": Presidio's BatchAnalyzerEngine on every whole text
    # (the slower path, kept for comparison in bench/privacy.py)
    nlp_mode: Literal["segmented", "full"] = "segmented"
    ner_window: int = 8  # segmented mode: tokens of context either side of a capitalised word
    spacy_batch_size: int = 256  # text windows per spaCy minibatch in the segmented mode
    # worker processes for scrub_workspace (0 = one per CPU); jobs of one batch stay in-process
    processes: int = Field(default=2, ge=0)
    min_conversations: int = 10  # k: every reported item is backed by at least k conversations
    min_users: int = 5  # u: ... and at least u distinct users when user ids are known
    min_audit_rating: int = Field(default=4, ge=1, le=5)  # auditor rating a cluster needs to be shown
    # scale: Clio's 1-5 rubric as one choice; binary: one yes/no question mapped to 1-5 (small local models
    # do not follow the rubric, see privacy/auditor.py); rules: the PII recognizers, no LLM; auto: rules in
    # the fast profile, else binary on the local backend and scale elsewhere
    audit_mode: Literal["auto", "scale", "binary", "rules"] = "auto"

    @field_validator("entities", "public_domains", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """Environment variables arrive as text: WILDVALUES_PRIVACY__ENTITIES="EMAIL_ADDRESS,PERSON"."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
