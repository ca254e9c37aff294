"""Parsing and normalisation of hostile model outputs."""

import pytest

from wildvalues.extract.parse import (
    ParseError,
    answer_block,
    normalise_label,
    parse_label_list,
    parse_level,
    parse_response_type,
    parse_sentence,
    parse_yes_no,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<answer>helpfulness, clarity</answer>", ["helpfulness", "clarity"]),
        (
            "<thinking>they value x</thinking>\n<answer>\nHarm Prevention; Honesty\n</answer>",
            ["harm prevention", "honesty"],
        ),
        ('"Helpfulness", "Clarity."', ["helpfulness", "clarity"]),
        ("1. Helpfulness\n2. Accuracy\n3. Transparency", ["helpfulness", "accuracy", "transparency"]),
        (
            "- user wellbeing\n- emotional support\n* privacy",
            ["user wellbeing", "emotional support", "privacy protection"],
        ),
        ("Honest, honesty, HONESTY", ["honesty"]),
        ("professional boundaries, professional boundary", ["professional boundary"]),
        ("<answer>Creativity, this is a very long explanation of why the AI did it</answer>", ["creativity"]),
        ("helpfulness, clarity, <answer", ["helpfulness", "clarity"]),
        ("**Legal compliance**, `safety`", ["legal compliance", "safety"]),
        ("respect for privacy.", ["respect for privacy"]),
    ],
)
def test_label_lists(raw, expected):
    assert parse_label_list(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "none",
        "None.",
        "<answer>none</answer>",
        "NONE, none, none",
        "'none'",
        "n/a",
        "<answer> No values </answer>",
    ],
)
def test_explicit_none_is_empty(raw):
    assert parse_label_list(raw) == []


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "<answer></answer>",
        "123, 456",
        "The assistant demonstrates a strong commitment to being extremely helpful here",
        "<thinking>unfinished thoughts",
    ],
)
def test_garbage_is_a_parse_error_not_none(raw):
    with pytest.raises(ParseError):
        parse_label_list(raw)


@pytest.mark.parametrize(
    ("label", "norm"),
    [
        (" Epistemic Humility ", "epistemic humility"),
        ("user_autonomy", "user autonomy"),
        ("well-being", "wellbeing"),
        ("Non - violence", "non-violence"),
        ("boundaries", "boundary"),
        ("analysis", "analysis"),
        ("ethics", "ethics"),
        ("policies", "policy"),
        ("harmlessness", "harm prevention"),
        ("'Accuracy'.", "accuracy"),
        ("3) clarity", "clarity"),
    ],
)
def test_normalise_label(label, norm):
    assert normalise_label(label) == norm


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("<answer>strong_resistance</answer>", "strong_resistance"),
        ("Strong Resistance", "strong_resistance"),
        ("mild-support", "mild_support"),
        ("<answer>\n'no_values'\n</answer>", "no_values"),
        ("neutral acknowledgement", "neutral_acknowledgment"),
        ("neutral", "neutral_acknowledgment"),
        ("The label is reframing.", "reframing"),
    ],
)
def test_response_type(raw, label):
    assert parse_response_type(raw) == label


@pytest.mark.parametrize("raw", ["mild_support or mild_resistance", "supportive", "", "<answer>7</answer>"])
def test_response_type_rejects_ambiguous_or_unknown(raw):
    with pytest.raises(ParseError):
        parse_response_type(raw)


def test_levels_yes_no_and_sentences():
    assert parse_level("Level 3 because advice") == 3
    assert parse_level("<thinking>it is not 1</thinking><answer>Level 4</answer>") == 4
    with pytest.raises(ParseError):
        parse_level("between 2 and 3")
    assert parse_yes_no("<answer>Yes</answer>") is True
    assert parse_yes_no(" no.") is False
    with pytest.raises(ParseError):
        parse_yes_no("maybe")
    assert parse_sentence('"write a poem about cats. Then more."') == "Write a poem about cats."
    assert parse_sentence("Task: Explain recursion\nextra line") == "Explain recursion"
    with pytest.raises(ParseError):
        parse_sentence("<answer>  </answer>")


def test_answer_block_takes_last_complete_block():
    text = "<answer>draft</answer> thinking more <answer>final</answer>"
    assert answer_block(text) == "final"
