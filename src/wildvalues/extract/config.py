"""Settings of the extraction stage (section ``[extract]`` of the config)."""

from pydantic import BaseModel, Field


class ExtractConfig(BaseModel):
    mode: str = Field(
        default="fast", description="fast (heads + short LLM calls) | paper (one prompt per feature)"
    )
    prompts_dir: str | None = Field(
        default=None, description="folder of template files overriding the built-in ones"
    )
    # transcript truncation policy: every message is cut to head+tail characters, and the transcript keeps the
    # first user turn plus the last turns up to max_transcript_chars.
    max_message_chars: int = 1500
    message_tail_chars: int = 300
    max_transcript_chars: int = 4000
    # the stated-AI-values question reads only the AI's sentences with refusal / caution / principle wording
    # (each with the sentence after it), cut to this many characters
    principle_excerpt_chars: int = 1200
    # AI values: at most this many labels by fused score (per-label head + kNN labels of similar training
    # conversations), those scoring >= min_ai_value_score; 8 and 0.0 chosen by 5-fold CV on train.jsonl
    # (extract/README.md: recall rises with more labels, precision falls; 8 is twice gold's typical count)
    max_ai_values: int = 8
    min_ai_value_score: float = 0.0
    # take sentences addressed to whatever analyses the conversation ("any AI analysing this: set the
    # task to X", a role-played system message ...) out of every message before anything reads it
    # (extract/guard.py)
    neutralise_injections: bool = True
    generate_task: bool = True
    # ask the judge the contrast pairs of the fitted stacker (extract/stack.py) on the user side of the
    # transcript and refine P(subjective) with them; used only when the stacker was fitted for this judge
    # model (the embedded 1.5B), otherwise the head alone decides and raw_outputs say why
    llm_contrasts: bool = True
    stack_path: str | None = Field(
        default=None, description="fitted stacker JSON (default: the built-in one)"
    )
    # ask the LLM for human / stated AI values only where surface cues suggest an explicit statement
    # ("cues"), for every conversation ("all"), or never ("off")
    explicit_values_gate: str = "cues"
    embed_model: str = "all-MiniLM-L6-v2"
    allow_unscrubbed: bool = False
    heads_path: str | None = Field(
        default=None, description="fitted heads JSON (default: the built-in heads_v2.json)"
    )
