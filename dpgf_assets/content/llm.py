"""The language-model generator: any OpenAI-compatible chat-completions endpoint (a local Ollama,
vLLM or llama.cpp server, or a hosted one).

The prompt carries the criteria and the facts, nothing else: no file, no line item, no setting.
Timeouts, 429 and 5xx answers are retried with exponential backoff and jitter, honouring
``Retry-After``; a malformed answer or a refused request fails that brief at once. The key goes in
the ``Authorization`` header only and never into a message.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

import httpx

from dpgf_assets.content.criteria import AUDIENCES, THEMES, Combination
from dpgf_assets.content.facts import ProjectFacts
from dpgf_assets.content.generators import GenerationError
from dpgf_assets.settings import Settings
from dpgf_assets.sources.graph_http import parse_retry_after

MAX_RETRY_AFTER = 120.0  # seconds: a server asking for longer is treated as down
SYSTEM_PROMPT = (
    "Tu es économiste de la construction. Tu rédiges en français des notes sur des dossiers de prix de "
    "marchés de travaux (DPGF, BPU, DQE). Règles : n'utilise que les faits fournis en JSON ; n'invente aucun "
    "chiffre, aucun nom, aucune référence ; écris les montants à la française (1 234 567 € HT) ; un prix "
    "« low » est anormalement bas, « high » anormalement élevé, au regard de la médiane et des quartiles du "
    "référentiel ; réponds en Markdown, sans préambule ni formule de politesse."
)
STYLE_PROMPTS = {
    "court": "un seul paragraphe de quatre à six phrases",
    "detaille": "une note structurée en sections courtes (titres de niveau 3), avec des listes à puces",
    "tableau": "un tableau Markdown des chiffres utiles, précédé d'une phrase et suivi d'une recommandation",
}


@dataclass(frozen=True)
class LLMSettings:
    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeout_seconds: float = 60.0
    max_retries: int = 3
    backoff_seconds: float = 1.0
    temperature: float = 0.2
    max_tokens: int = 900

    @classmethod
    def of(cls, settings: Settings, api_key: str = "") -> "LLMSettings":
        return cls(base_url=settings["llm.base_url"], model=settings["llm.model"], api_key=api_key,
                   timeout_seconds=settings["llm.timeout_seconds"], max_retries=settings["llm.max_retries"],
                   backoff_seconds=settings["llm.backoff_seconds"], temperature=settings["llm.temperature"],
                   max_tokens=settings["llm.max_tokens"])


def messages(facts: ProjectFacts, combination: Combination) -> list[dict]:
    """The chat: the rules, then the criteria and the facts as JSON."""
    request = (f"Destinataire : {AUDIENCES[combination.audience]}. Thème : {THEMES[combination.theme]}. "
               f"Forme attendue : {STYLE_PROMPTS[combination.style]}.\n\nFaits (JSON) :\n"
               + json.dumps(facts.to_dict(), ensure_ascii=False, sort_keys=True, allow_nan=False))
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": request}]


def retry_after(response: httpx.Response) -> float | None:
    """Seconds a 429/503 asks to wait (a number or an HTTP date), or None."""
    return parse_retry_after(response.headers.get("Retry-After"))


def answer_text(response: httpx.Response) -> str:
    """The brief in a chat-completions answer, or GenerationError saying what is wrong with it."""
    try:
        body = response.json()
    except ValueError:
        raise GenerationError(f"malformed answer from the model endpoint: not JSON ({response.text[:80]!r})") from None
    try:
        text = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise GenerationError("malformed answer from the model endpoint: no choices[0].message.content") from None
    if not isinstance(text, str) or not text.strip():
        raise GenerationError("malformed answer from the model endpoint: empty content")
    return text.strip() + "\n"


class LLMGenerator:
    concurrent = True

    def __init__(self, config: LLMSettings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.name = f"llm:{config.model}"[:100]
        self.url = config.base_url.rstrip("/") + "/chat/completions"
        self.where = urlsplit(config.base_url).netloc.rsplit("@", 1)[-1]  # never the userinfo
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(config.timeout_seconds),
                                    limits=httpx.Limits(max_connections=64, max_keepalive_connections=64))
        self._sleep = sleep

    def _delay(self, attempt: int) -> float:
        return self.config.backoff_seconds * (2 ** attempt) * random.uniform(0.5, 1.5)

    def generate(self, facts: ProjectFacts, combination: Combination) -> str:
        payload = {"model": self.config.model, "messages": messages(facts, combination),
                   "temperature": self.config.temperature, "max_tokens": self.config.max_tokens, "stream": False}
        problem = ""
        for attempt in range(self.config.max_retries + 1):
            try:
                response = self._client.post(self.url, json=payload)
            except httpx.TimeoutException:
                problem, wait = f"no answer within {self.config.timeout_seconds:g}s", self._delay(attempt)
            except httpx.TransportError as exc:
                problem, wait = f"connection failed ({type(exc).__name__})", self._delay(attempt)
            else:
                code = response.status_code
                if code == 429 or code >= 500:
                    asked = retry_after(response)
                    if asked is not None and asked > MAX_RETRY_AFTER:
                        raise GenerationError(f"{self.where} asks to wait {asked:.0f}s (HTTP {code}): giving up")
                    problem, wait = f"HTTP {code}", asked if asked is not None else self._delay(attempt)
                elif code >= 400:
                    raise GenerationError(f"{self.where} refused the request: HTTP {code} {response.text[:200]!r}")
                else:
                    return answer_text(response)
            if attempt < self.config.max_retries:
                self._sleep(wait)
        raise GenerationError(f"{self.where}: {problem} after {self.config.max_retries + 1} attempts")

    def close(self) -> None:
        self._client.close()
