"""Settings: one prefix per service, platform variables shared, no secret defaults outside demo."""

from typing import ClassVar

import pytest
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from mgov_common.settings import ServiceSettings, SettingsError, load_settings


class PlainSettings(ServiceSettings):
    """A service's settings without secrets (the real services' own are tested with them)."""

    model_config = SettingsConfigDict(env_prefix="MGOV_PLAIN_", extra="ignore")
    service_name: ClassVar[str] = "plain"
    port: int = 50099


class WithSecret(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_EXAMPLE_", extra="ignore")
    service_name: ClassVar[str] = "example"
    secret_fields: ClassVar[tuple[str, ...]] = ("signing_key",)
    signing_key: SecretStr | None = None


def test_a_service_reads_its_own_prefix_and_the_platform_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MGOV_DATABASE_URL", "postgresql://db/mgov")
    monkeypatch.setenv("MGOV_PLAIN_PORT", "6001")
    monkeypatch.setenv("MGOV_CATALOG_PORT", "6002")
    s = load_settings(PlainSettings)
    assert s.database_url == "postgresql://db/mgov"
    assert s.port == 6001


def test_unprefixed_variables_of_the_machine_are_not_mistaken_for_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/somewhere")
    monkeypatch.setenv("DEMO", "1")
    monkeypatch.delenv("MGOV_HOME", raising=False)
    monkeypatch.delenv("MGOV_DEMO", raising=False)
    s = load_settings(PlainSettings)
    assert str(s.home) == ".mgov"
    assert s.demo is False


def test_a_missing_secret_outside_demo_mode_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MGOV_DEMO", raising=False)
    with pytest.raises(SettingsError, match="MGOV_EXAMPLE_SIGNING_KEY is required outside demo mode"):
        load_settings(WithSecret)


def test_demo_mode_derives_a_stable_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MGOV_DEMO", "1")
    first, second = load_settings(WithSecret), load_settings(WithSecret)
    assert first.signing_key is not None and second.signing_key is not None
    assert first.signing_key.get_secret_value() == second.signing_key.get_secret_value()


def test_a_given_secret_is_used_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MGOV_EXAMPLE_SIGNING_KEY", "s3cret")
    assert load_settings(WithSecret).signing_key.get_secret_value() == "s3cret"  # type: ignore[union-attr]


def test_a_malformed_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MGOV_PLAIN_PORT", "fifty")
    with pytest.raises(SettingsError, match="MGOV_PLAIN_PORT"):
        load_settings(PlainSettings)


def test_a_missing_server_url_is_named() -> None:
    s = PlainSettings(database_url=None)
    with pytest.raises(SettingsError, match="MGOV_DATABASE_URL"):
        s.require_database_url()
