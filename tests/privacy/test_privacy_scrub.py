"""The scrubber, one entity kind at a time, plus configuration and per-conversation propagation."""

from __future__ import annotations

import pytest

from wildvalues.privacy.config import PrivacyConfig
from wildvalues.privacy.scrub import Entity, merge_spans, scrub_conversation, scrub_text

CASES = [
    ("EMAIL", "Write to me at priya.raman88@gmail.com when it ships.", "priya.raman88@gmail.com"),
    ("PHONE", "My cell is (415) 283-9921, call after six.", "(415) 283-9921"),
    ("PHONE", "Ring me on +44 7911 123456 tomorrow.", "+44 7911 123456"),
    ("CARD_NUMBER", "The charge hit my Visa 4539 1488 0343 6467 twice.", "4539 1488 0343 6467"),
    ("SSN", "My social security number is 536-22-8412.", "536-22-8412"),
    ("PASSPORT", "Passport number 912803456, expiring 2031.", "912803456"),
    ("DRIVER_LICENSE", "My driver's license number is D4821937.", "D4821937"),
    ("IBAN", "Please pay into IBAN GB82 WEST 1234 5698 7654 32 by Friday.", "GB82 WEST 1234 5698 7654 32"),
    ("NHS_NUMBER", "My NHS number is 943 476 5919.", "943 476 5919"),
    ("IP_ADDRESS", "The router's public IP is 81.174.20.9 today.", "81.174.20.9"),
    ("ADDRESS", "We live at 42 Maple Grove Avenue, Apt 3B, Springfield, IL 62704 now.",
     "42 Maple Grove Avenue, Apt 3B, Springfield, IL 62704"),
    ("ADDRESS", "New flat: Flat 2, 17 Kingsley Road, London NW3 5JP.", "17 Kingsley Road, London NW3 5JP"),
    ("URL", "My portfolio is at https://priyaraman.design/work and I update it monthly.",
     "https://priyaraman.design/work"),
    ("URL", "Connect on linkedin.com/in/priya-raman-88 please.", "linkedin.com/in/priya-raman-88"),
    ("PERSON", "My landlord Gerald Whitfield will not return the deposit.", "Gerald Whitfield"),
]


@pytest.mark.parametrize(("placeholder", "text", "pii"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_kind_becomes_its_placeholder(placeholder: str, text: str, pii: str) -> None:
    result = scrub_text(text)
    assert pii not in result.text
    assert f"[{placeholder}]" in result.text, result.text


def test_plain_text_is_left_alone() -> None:
    text = "Can you explain how Python decorators work? I read the docs on python.org and main.py fails."
    result = scrub_text(text)
    assert result.text == text
    assert result.entities == []


def test_code_is_not_read_as_links_or_names() -> None:
    code = ("const box = document.getElementById('box'); box.style.top = self.name;\n"
            "rect2 = fillColor(user1); import pandas as pd; df = pd.read_csv('data.csv')")
    assert scrub_text(code).text == code


def test_entity_list_is_configurable() -> None:
    text = "Mail priya@example.org or call (415) 283-9921."
    only_mail = scrub_text(text, PrivacyConfig(entities=["EMAIL_ADDRESS"]))
    assert "[EMAIL]" in only_mail.text and "(415) 283-9921" in only_mail.text


def test_unknown_entity_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown privacy entities"):
        scrub_text("x", PrivacyConfig(entities=["EMAIL_ADDRESS", "SHOE_SIZE"]))


def test_score_threshold_is_configurable() -> None:
    text = "The code is 912803456."  # a bare 9-digit number: weak passport/SSN pattern, no context
    assert "912803456" in scrub_text(text).text
    assert "912803456" not in scrub_text(text, PrivacyConfig(score_threshold=0.0)).text


def test_found_strings_are_replaced_across_the_conversation() -> None:
    messages = ["I'm Priya Raman and my passport number is 912803456.",
                "Thanks Priya, I have noted 912803456 on the form."]
    with_prop = scrub_conversation(messages)
    assert "Priya" not in with_prop[1].text and "912803456" not in with_prop[1].text
    without = scrub_conversation(messages, PrivacyConfig(propagate_within_conversation=False))
    assert "912803456" in without[1].text  # no context word in the reply: only propagation catches it


def test_entities_carry_offsets_not_text() -> None:
    text = "Mail priya@example.org today."
    result = scrub_text(text)
    (ent,) = result.entities
    assert text[ent.start:ent.end] == "priya@example.org"
    assert not any(isinstance(v, str) and "priya" in v for v in vars(ent).values())


def test_overlapping_findings_merge_into_one_span() -> None:
    merged = merge_spans([Entity("URL", 10, 20, 0.5), Entity("EMAIL_ADDRESS", 4, 20, 1.0),
                          Entity("PERSON", 30, 35, 0.85)])
    assert [(e.entity_type, e.start, e.end) for e in merged] == [("EMAIL_ADDRESS", 4, 20), ("PERSON", 30, 35)]
