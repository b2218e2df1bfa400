"""What a connected server is and can do (`RemoteInfo`), and the connection probes that find out:
its model list, a one-token completion (are log-probs returned?) and a one-token chat (is there a
chat template?). The echo probe for scoring is core.remote.scoring's."""

from __future__ import annotations

from dataclasses import dataclass

from core.models.info import ModelInfo
from core.remote.http import (
    AuthFailed,
    JsonObject,
    MalformedResponse,
    ModelNotFound,
    RemoteError,
    ServerFailed,
    Transport,
)

NO_LOGPROBS_NOTICE = (
    "the server returns no token log-probs: candidates cannot be ranked by mean log-prob and "
    "keep the order they were sampled in, which is a random ranking"
)


@dataclass(frozen=True)
class RemoteInfo(ModelInfo):
    url: str = ""
    logprobs: bool = True  # the server returned token log-probs in the connection probe
    scoring: bool = True  # its echoed prompt log-probs agree with its sampled ones (core.remote.scoring)

    def describe(self) -> str:
        notes = [] if self.logprobs else ["no log-probs: random ranking"]
        notes += [] if self.scoring else ["no scoring of given text"]
        notes.append("chat" if self.has_chat_template else "no chat template")
        return f"{self.name} on {self.url} ({self.architecture}; {', '.join(notes)})"


def probe(transport: Transport, served_model: str | None) -> RemoteInfo:
    """The server's model (`served_model`, or the only one it lists), whether it returns token
    log-probs and whether it has a chat template. `scoring` is left to the caller's echo probe."""
    base = transport.endpoint.base
    name = _pick_model(transport, served_model)
    reply = transport.post_json(
        "/completions",
        {"model": name, "prompt": "def", "max_tokens": 1, "temperature": 0, "logprobs": 1},
        retry_connect=False,
    )
    logprobs = _has_logprobs(reply, base)
    return RemoteInfo(
        name=name,
        path=base,
        device="remote",
        dtype="server",
        n_params=0,
        memory_bytes=0,
        has_chat_template=_has_chat(transport, name),
        architecture="OpenAI-compatible server",
        url=base,
        logprobs=logprobs,
    )


def _pick_model(transport: Transport, served_model: str | None) -> str:
    try:
        listing = transport.get_json("/models", retry_connect=False)
    except ServerFailed as exc:
        if exc.status != 404:
            raise
        if served_model is None:
            raise RemoteError(
                f"{transport.endpoint.base} does not list its models: name one with --served-model"
            ) from None
        return served_model
    # A name that is not one printable line would print lines of its own into the CLI's output.
    data = listing.get("data")
    models: list[str] = [
        m["id"]
        for m in (data if isinstance(data, list) else [])
        if isinstance(m, dict) and isinstance(m.get("id"), str) and m["id"].isprintable() and m["id"]
    ]
    if served_model is None:
        if len(models) != 1:
            raise ModelNotFound(
                f"{transport.endpoint.base} serves {len(models)} models "
                f"({', '.join(models) or 'none'}): choose one with --served-model"
            )
        return models[0]
    if models and served_model not in models:
        raise ModelNotFound(f"{transport.endpoint.base} does not serve {served_model!r}; it serves {', '.join(models)}")
    return served_model


def _has_logprobs(reply: JsonObject, base: str) -> bool:
    choices = reply.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedResponse(f"{base}/completions answered without choices: {str(reply)[:120]!r}")
    lp = choices[0].get("logprobs")
    return isinstance(lp, dict) and bool(lp.get("token_logprobs"))


def _has_chat(transport: Transport, name: str) -> bool:
    try:
        transport.post_json(
            "/chat/completions",
            {"model": name, "max_tokens": 1, "temperature": 0, "messages": [{"role": "user", "content": "Hi"}]},
        )
    except AuthFailed:
        raise
    except ServerFailed:
        return False  # a base model without a chat template is refused (vLLM: 400)
    return True
