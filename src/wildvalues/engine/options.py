"""The engine flags shared by `wildvalues extract` and `wildvalues run`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

EngineOpt = Annotated[
    str | None, typer.Option("--engine", help="where extraction runs: local (default) or ray (Ray Data)")
]
RayAddressOpt = Annotated[
    str | None,
    typer.Option("--ray-address", help="join this Ray cluster ('auto', 'HOST:PORT', 'ray://HOST:PORT'); "
                 "default: start a private local instance on 127.0.0.1"),
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", help="Ray actors (each builds its extractor)")]


def engine_overrides(engine: str | None, ray_address: str | None, workers: int | None) -> dict[str, Any]:
    """Flag values as ``section.key`` config overrides (unset flags leave the TOML / env value)."""
    return {"engine.name": engine, "engine.ray_address": ray_address, "engine.workers": workers}
