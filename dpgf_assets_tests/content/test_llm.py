"""The language-model generator against a fake OpenAI-compatible endpoint on 127.0.0.1."""

import json
import time

import pytest

from dpgf_assets.content.criteria import Combination, Criteria
from dpgf_assets.content.fake_llm import FakeChatEndpoint, Fault
from dpgf_assets.content.generators import GenerationError
from dpgf_assets.content.llm import LLMGenerator, LLMSettings
from dpgf_assets.content.writer import pregenerate
from dpgf_assets_tests.content.builders import document, item
from dpgf_assets_tests.content.test_template import PRICED

KEY = "sk-test-0123456789"
COMBINATION = Combination("economiste", "points_de_vigilance", "court")


def generator(endpoint, waits=None, **overrides):
    settings = LLMSettings(**{"base_url": endpoint.base_url, "model": "mistral-7b", "api_key": KEY,
                              "timeout_seconds": 2.0, "max_retries": 2, "backoff_seconds": 0.05, **overrides})

    def sleep(seconds):
        if waits is not None:
            waits.append(seconds)
        time.sleep(seconds)

    return LLMGenerator(settings, sleep=sleep)


def test_the_prompt_carries_the_criteria_and_the_facts_only_and_the_key_in_the_header():
    with FakeChatEndpoint() as endpoint:
        text = generator(endpoint).generate(PRICED, COMBINATION)
    assert text.startswith("Note (modèle de test) – Groupe scolaire Jean Moulin.")
    request, = endpoint.requests
    assert request["path"] == "/v1/chat/completions" and request["headers"]["Authorization"] == f"Bearer {KEY}"
    body = request["body"]
    assert body["model"] == "mistral-7b" and body["stream"] is False
    system, user = body["messages"]
    assert system["role"] == "system" and "n'invente aucun chiffre" in system["content"]
    head, facts = user["content"].split("Faits (JSON) :\n")
    assert "économiste" in head and "points de vigilance" in head
    assert json.loads(facts) == json.loads(json.dumps(PRICED.to_dict()))
    assert KEY not in json.dumps(body)


def test_a_429_with_retry_after_is_waited_for_then_retried():
    waits = []
    with FakeChatEndpoint(faults=[Fault(status=429, retry_after="1")]) as endpoint:
        started = time.perf_counter()
        text = generator(endpoint, waits).generate(PRICED, COMBINATION)
        elapsed = time.perf_counter() - started
    assert text and waits == [1.0] and elapsed >= 1.0 and len(endpoint.requests) == 2


def test_5xx_answers_back_off_and_retry():
    waits = []
    with FakeChatEndpoint(faults=[Fault(status=503), Fault(status=502)]) as endpoint:
        assert generator(endpoint, waits).generate(PRICED, COMBINATION)
    assert len(endpoint.requests) == 3 and len(waits) == 2
    assert 0.025 <= waits[0] <= 0.075 and 0.05 <= waits[1] <= 0.15  # doubled, with jitter


def test_a_timeout_is_retried_and_past_the_retries_the_brief_fails_with_a_clear_message():
    with FakeChatEndpoint(faults=[Fault(delay=1.0)]) as endpoint:
        assert generator(endpoint, timeout_seconds=0.3).generate(PRICED, COMBINATION)
    assert len(endpoint.requests) == 2
    with FakeChatEndpoint(faults=[Fault(delay=1.0)] * 3) as endpoint:
        with pytest.raises(GenerationError, match=r"no answer within 0.3s after 3 attempts") as failure:
            generator(endpoint, timeout_seconds=0.3).generate(PRICED, COMBINATION)
    assert KEY not in str(failure.value)


@pytest.mark.parametrize("body, reason", [("<html>oops</html>", "not JSON"),
                                          ('{"choices": []}', "no choices"),
                                          ('{"choices": [{"message": {"content": "  "}}]}', "empty content")])
def test_a_malformed_answer_fails_that_brief_at_once(body, reason):
    with FakeChatEndpoint(faults=[Fault(body=body)]) as endpoint:
        with pytest.raises(GenerationError, match=f"malformed answer.*{reason}"):
            generator(endpoint).generate(PRICED, COMBINATION)
    assert len(endpoint.requests) == 1


def test_a_refused_request_and_an_endless_retry_after_are_not_retried():
    with FakeChatEndpoint(faults=[Fault(status=401)]) as endpoint:
        with pytest.raises(GenerationError, match="refused the request: HTTP 401"):
            generator(endpoint).generate(PRICED, COMBINATION)
    with FakeChatEndpoint(faults=[Fault(status=429, retry_after="3600")]) as endpoint:
        with pytest.raises(GenerationError, match="asks to wait 3600s"):
            generator(endpoint).generate(PRICED, COMBINATION)
    assert len(endpoint.requests) == 1


def test_the_writer_counts_the_combination_the_model_botched_and_writes_the_other_35(tmp_path):
    from dpgf_assets.warehouse.db import open_warehouse

    engine = open_warehouse(f"sqlite:///{tmp_path / 'w.sqlite'}")
    document(engine, "Projets/P1", "Offre.xlsx", [item("Enduit", "m2", 10, 20.0)])
    with FakeChatEndpoint(latency=0.01, faults=[Fault(body="garbage")]) as endpoint:
        llm = generator(endpoint)
        report = pregenerate(engine, Criteria(), llm, workers=4)
        assert (report.generated, report.failed) == (35, 1) and "malformed answer" in report.failures[0].error
        assert len(endpoint.requests) == 36
        again = pregenerate(engine, Criteria(), llm, workers=4)
    assert (again.generated, again.skipped, again.failed) == (1, 35, 0)
    assert llm.name == "llm:mistral-7b"
