"""The post-LLM PII check on labels and cluster names."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from wildvalues.privacy.leaks import drop_pii, find_pii


@pytest.mark.parametrize(("label", "kind"), [
    ("helping priya.raman88@gmail.com get a refund", "EMAIL_ADDRESS"),
    ("call 415-283-9921 for support", "PHONE_NUMBER"),
    ("card 4539 1488 0343 6467 dispute", "CREDIT_CARD"),
    ("SSN 536-22-8412 paperwork", "US_SSN"),
    ("IBAN GB82 WEST 1234 5698 7654 32", "IBAN_CODE"),
    ("access from 81.174.20.9", "IP_ADDRESS"),
    ("moving to 42 Maple Grove Avenue, Springfield", "STREET_ADDRESS"),
    ("portfolio at https://priyaraman.design/work", "URL"),
    ("Gerald Whitfield's deposit dispute", "PERSON"),
    ("respect for Dr. Okafor's advice", "PERSON"),
    ("drafting a letter to [PERSON] about rent", "PLACEHOLDER"),
])
def test_pii_in_labels_is_found(label: str, kind: str) -> None:
    assert kind in find_pii(label)


@pytest.mark.parametrize("label", [
    "user autonomy", "honesty and transparency", "Professional Excellence And Competence",
    "Accuracy and truthfulness", "respect for cultural traditions", "Christian faith", "", "   ",
])
def test_ordinary_labels_pass(label: str) -> None:
    assert find_pii(label) == []


def test_placeholders_can_be_allowed_in_scrubbed_snippets() -> None:
    snippet = "Hi, I'm [PERSON] and my landlord kept the deposit."
    assert find_pii(snippet) == ["PLACEHOLDER"]
    assert find_pii(snippet, placeholders=False) == []
    assert find_pii("[PERSON] at 415-283-9921", placeholders=False) == ["PHONE_NUMBER"]


def test_drop_pii_counts_offenders() -> None:
    kept, dropped = drop_pii(["user autonomy", "email jane@example.org", "patient wellbeing"])
    assert kept == ["user autonomy", "patient wellbeing"] and dropped == 1


def test_false_positive_rate_on_the_released_value_tree(shared_data: Path) -> None:
    """Names and descriptions of the paper's released taxonomy contain no PII: few may be flagged."""
    with open(shared_data / "values-in-the-wild" / "values_tree.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    texts = [r["name"] for r in rows] + [r["description"] for r in rows if r["description"]]
    sample = random.Random(0).sample(texts, 800)
    sample += [t.title() for t in sample[:200]]  # Title Case cluster names are common in LLM output
    flagged = [t for t in sample if find_pii(t)]
    assert len(flagged) / len(sample) <= 0.01, flagged[:20]
