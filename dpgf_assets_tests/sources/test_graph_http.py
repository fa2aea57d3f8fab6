"""The source's HTTP session reads proxies and CA bundles from the environment, once per origin."""

from __future__ import annotations

import pytest

from dpgf_assets.sources.graph_http import Traffic, make_session


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1,.intranet.example")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp/ca.pem")


def settings_for(url: str) -> dict:
    return make_session(Traffic(), None).merge_environment_settings(url, {}, None, None, None)


def test_a_corporate_proxy_and_ca_bundle_apply_to_sharepoint(proxy_env: None) -> None:
    settings = settings_for("https://contoso.sharepoint.com/sites/dpgf/_layouts/15/download.aspx?x=1")
    assert settings["proxies"]["https"] == "http://proxy.corp.example:3128"
    assert settings["verify"] == "/etc/corp/ca.pem"


def test_no_proxy_hosts_go_direct(proxy_env: None) -> None:
    assert "https" not in settings_for("https://files.intranet.example/a.xlsx")["proxies"]
    assert "http" not in settings_for("http://127.0.0.1:8080/v1.0/me")["proxies"]


def test_an_explicit_verify_wins_over_the_environment(proxy_env: None) -> None:
    session = make_session(Traffic(), None)
    settings = session.merge_environment_settings("https://graph.microsoft.com/v1.0", {}, None, False, None)
    assert settings["verify"] is False
