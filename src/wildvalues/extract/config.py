"""Settings of the extraction stage (section ``[extract]`` of the config)."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

PROFILES = ("fast", "thorough", "paper")


class ExtractConfig(BaseModel):
    # fast: fitted heads over embeddings and cues, no LLM call per conversation (the embedded default);
    # thorough: the same heads plus the judge (task sentence, explicit values, contrast log-probs);
    # paper: one generated prompt per feature, as published (mode "paper")
    profile: Literal["fast", "thorough", "paper"] = "fast"
    # screen first, as the paper does: every conversation gets subjectivity; the other features only the
    # subjective ones (True = every feature for every conversation: `extract --all`, and `eval`)
    extract_all: bool = False
    mode: str = Field(
        default="fast", description="heads path ('fast') | paper (one prompt per feature); set by profile"
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
    # conversations), those scoring >= min_ai_value_score; 8 and 0.1 chosen by 5-fold CV on the 1,285 of
    # train + train2 as the highest recall with precision >= 0.30 (extract/README.md; 3.8 labels on average)
    max_ai_values: int = 8
    min_ai_value_score: float = 0.1
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
    # explicit-value features whose heads predictor (extract/explicit_values.py: presence head + cue spans +
    # kNN) fills what the LLM left empty or, without an LLM, answers alone. Only stated AI values by default:
    # human values reached CV recall 0.11 at precision 0.08 on the 1,285 (most emitted labels wrong)
    explicit_values_heads: list[str] = Field(default_factory=lambda: ["stated_ai_values"])
    embed_model: str = "all-MiniLM-L6-v2"
    # blend the fine-tuned student (extract/student.py) into the response-type and subjectivity heads, with
    # the per-task weights cross-validation chose (in its committed card). Opt-in: its 45 MB of weights are
    # not in git; `bench/students.py fit` rebuilds them into the model cache and checks the pinned sha256
    student: bool = False
    allow_unscrubbed: bool = False
    limit: int | None = Field(default=None, ge=1, description="extract at most N pending conversations")
    heads_path: str | None = Field(
        default=None, description="fitted heads JSON (default: the built-in heads_v3.json)"
    )

    @model_validator(mode="after")
    def _profile_sets_mode(self) -> "ExtractConfig":
        """``mode = "paper"`` (the older setting) means the paper profile, and the paper profile that mode."""
        if self.mode == "paper":
            self.profile = "paper"
        elif self.profile == "paper":
            self.mode = "paper"
        return self

    @property
    def uses_llm(self) -> bool:
        """Whether extraction calls the judge per conversation (thorough and paper profiles)."""
        return self.profile != "fast"
