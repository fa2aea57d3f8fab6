"""SharePoint settings: each missing or wrong variable is named, and secrets never show."""

from __future__ import annotations

import pytest

from dpgf_assets.sources.graph_config import SharePointConfig, SharePointConfigError
from dpgf_assets.sources.graph_http import Retrying, classify, parse_retry_after
from dpgf_assets.sources.base import SourceError

SECRET = "s3cr3t-v@lue-never-shown"
BASE = {
    "DPGF_SHAREPOINT_SITE_URL": "https://contoso.sharepoint.com/sites/Chiffrage/",
    "DPGF_SHAREPOINT_TENANT_ID": "11111111-2222-3333-4444-555555555555",
    "DPGF_SHAREPOINT_CLIENT_ID": "66666666-7777-8888-9999-000000000000",
    "DPGF_SHAREPOINT_CLIENT_SECRET": SECRET,
}


def test_a_complete_configuration_with_defaults():
    config = SharePointConfig.from_env(BASE | {"DPGF_SHAREPOINT_FOLDER": "\\Projets\\2024\\"},
                                       timeout_seconds=30, retry_count=5)
    assert config.site_url == "https://contoso.sharepoint.com/sites/Chiffrage"
    assert (config.library, config.folder, config.timeout_seconds, config.retry_count) == (
        "Documents", "Projets/2024", 30.0, 5)
    assert config.auth_kind == "client secret" and config.graph_url is None
    assert SECRET not in repr(config) and SECRET not in str(config) and "secret hidden" in repr(config)


@pytest.mark.parametrize("change, named", [
    ({"DPGF_SHAREPOINT_SITE_URL": None}, "DPGF_SHAREPOINT_SITE_URL"),
    ({"DPGF_SHAREPOINT_SITE_URL": "contoso.sharepoint.com/Chiffrage"}, "DPGF_SHAREPOINT_SITE_URL"),
    ({"DPGF_SHAREPOINT_TENANT_ID": " "}, "DPGF_SHAREPOINT_TENANT_ID"),
    ({"DPGF_SHAREPOINT_CLIENT_ID": None}, "DPGF_SHAREPOINT_CLIENT_ID"),
    ({"DPGF_SHAREPOINT_CLIENT_SECRET": None}, "DPGF_SHAREPOINT_CLIENT_SECRET"),
    ({"DPGF_SHAREPOINT_CERT_PATH": "/nowhere/key.pem"}, "not both"),
    ({"DPGF_SHAREPOINT_CLIENT_SECRET": None, "DPGF_SHAREPOINT_CERT_PATH": "/x.pem"}, "CERT_THUMBPRINT"),
    ({"DPGF_SHAREPOINT_CLIENT_SECRET": None, "DPGF_SHAREPOINT_CERT_PATH": "/nowhere/key.pem",
      "DPGF_SHAREPOINT_CERT_THUMBPRINT": "AB12"}, "DPGF_SHAREPOINT_CERT_PATH: no file"),
    ({"DPGF_SHAREPOINT_GRAPH_URL": "localhost:8000"}, "DPGF_SHAREPOINT_GRAPH_URL"),
    ({"DPGF_SHAREPOINT_FOLDER": "Projets/../RH"}, "DPGF_SHAREPOINT_FOLDER"),
])
def test_each_problem_names_its_variable_and_hides_the_secret(change, named):
    env = {k: v for k, v in (BASE | change).items() if v is not None}
    with pytest.raises(SharePointConfigError, match=named) as caught:
        SharePointConfig.from_env(env)
    assert isinstance(caught.value, ValueError) and SECRET not in str(caught.value)


def test_a_certificate_and_a_test_token_are_alternatives(tmp_path):
    key = tmp_path / "app.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n")
    env = {k: v for k, v in BASE.items() if k != "DPGF_SHAREPOINT_CLIENT_SECRET"}
    cert = SharePointConfig.from_env(env | {"DPGF_SHAREPOINT_CERT_PATH": str(key),
                                            "DPGF_SHAREPOINT_CERT_THUMBPRINT": "AB12CD"})
    assert cert.auth_kind == "certificate" and "PRIVATE KEY" not in repr(cert)
    token = SharePointConfig.from_env({"DPGF_SHAREPOINT_SITE_URL": BASE["DPGF_SHAREPOINT_SITE_URL"],
                                       "DPGF_SHAREPOINT_GRAPH_URL": "http://127.0.0.1:9",
                                       "DPGF_SHAREPOINT_TEST_TOKEN": SECRET})
    assert token.auth_kind == "bearer token" and SECRET not in repr(token)


def test_bad_numbers_from_the_settings_are_refused():
    with pytest.raises(SharePointConfigError, match="timeout"):
        SharePointConfig.from_env(BASE, timeout_seconds=0)
    with pytest.raises(SharePointConfigError, match="retry"):
        SharePointConfig.from_env(BASE, retry_count=-1)


def test_a_refused_credential_is_permanent_and_quotes_no_secret():
    msal_answer = ValueError({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client "
                              "secret provided.\nTrace ID: 42", "correlation_id": "x"})
    failure = classify(msal_answer, timeout=5)
    assert failure is not None and not failure.transient
    assert failure.message == ("authentication failed (invalid_client): "
                               "AADSTS7000215: Invalid client secret provided.")
    retrying = Retrying(3, timeout=5, sleep=lambda s: None)

    def attempt():  # noqa: ANN202
        raise msal_answer

    with pytest.raises(SourceError, match="invalid_client") as caught:
        retrying.run("SharePoint listing", attempt)
    assert not caught.value.transient and retrying.retries == 0


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: no wait


def test_signing_in_happens_on_first_use_and_an_unreachable_tenant_is_transient(monkeypatch):
    from dpgf_assets.sources.sharepoint import SharePointSource

    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there: no real network
    monkeypatch.setenv("NO_PROXY", "")
    source = SharePointSource(SharePointConfig.from_env(BASE, retry_count=1, backoff_seconds=0.01))
    with pytest.raises(SourceError, match="SharePoint sign-in: the connection failed") as caught:
        source.list_changes(None)
    assert caught.value.transient and SECRET not in str(caught.value)
    source.close()
