"""Settings: one prefix per service, platform variables shared, no secret defaults outside demo."""

import importlib
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


# Secrets as files (MGOV_SECRETS_DIR): what a Kubernetes Secret volume provides.


def test_a_secret_is_read_from_a_file_named_like_its_variable(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("MGOV_EXAMPLE_SIGNING_KEY", raising=False)
    monkeypatch.delenv("MGOV_DEMO", raising=False)
    (tmp_path / "MGOV_EXAMPLE_SIGNING_KEY").write_text("from-a-file\n")
    monkeypatch.setenv("MGOV_SECRETS_DIR", str(tmp_path))
    s = load_settings(WithSecret)
    assert s.signing_key is not None and s.signing_key.get_secret_value() == "from-a-file"


def test_without_the_file_a_required_secret_is_still_missing_by_name(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("MGOV_EXAMPLE_SIGNING_KEY", raising=False)
    monkeypatch.delenv("MGOV_DEMO", raising=False)
    monkeypatch.setenv("MGOV_SECRETS_DIR", str(tmp_path))
    with pytest.raises(SettingsError, match="MGOV_EXAMPLE_SIGNING_KEY"):
        load_settings(WithSecret)


def test_a_secrets_dir_that_does_not_exist_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("MGOV_SECRETS_DIR", str(tmp_path / "missing"))
    with pytest.raises(SettingsError, match="MGOV_SECRETS_DIR"):
        load_settings(PlainSettings)


def test_the_database_password_file_completes_a_url_that_names_only_the_user(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / "MGOV_DATABASE_PASSWORD").write_text("p@ss:w/rd\n")
    monkeypatch.setenv("MGOV_SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("MGOV_DATABASE_PASSWORD", raising=False)
    monkeypatch.setenv("MGOV_DATABASE_URL", "postgresql://catalog@mgov-pg-rw:5432/mgov?sslmode=verify-full&sslrootcert=/ca.crt")
    s = load_settings(PlainSettings)
    assert s.require_database_url() == "postgresql://catalog:p%40ss%3Aw%2Frd@mgov-pg-rw:5432/mgov?sslmode=verify-full&sslrootcert=/ca.crt"


def test_a_password_in_both_the_url_and_a_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MGOV_DATABASE_URL", "postgresql://catalog:one@db/mgov")
    monkeypatch.setenv("MGOV_DATABASE_PASSWORD", "two")
    with pytest.raises(SettingsError, match="one place"):
        load_settings(PlainSettings)


LINGERS = [
    ("services.notify.settings", "NotifySettings", "MGOV_NOTIFY_CONSUMER_LINGER_MS", "consumer_linger_ms", 5.0),
    ("services.insight.settings", "InsightSettings", "MGOV_INSIGHT_CONSUMER_LINGER_MS", "consumer_linger_ms", 20.0),
    ("services.catalog.settings", "CatalogSettings", "MGOV_CATALOG_USE_COUNTER_LINGER_MS", "use_counter_linger_ms", 20.0),
    ("services.identity.settings", "IdentitySettings", "MGOV_IDENTITY_WEBHOOK_LINGER_MS", "webhook_linger_ms", 20.0),
]


@pytest.mark.parametrize(("module", "cls", "var", "field", "default"), LINGERS)
def test_each_consumer_that_lingers_has_a_default_and_its_own_variable_and_refuses_a_negative_one(
        monkeypatch: pytest.MonkeyPatch, module: str, cls: str, var: str, field: str, default: float) -> None:
    settings_cls = getattr(importlib.import_module(module), cls)
    monkeypatch.setenv("MGOV_DEMO", "1")
    monkeypatch.delenv(var, raising=False)
    assert getattr(load_settings(settings_cls), field) == default
    monkeypatch.setenv(var, "12.5")
    assert getattr(load_settings(settings_cls), field) == 12.5
    monkeypatch.setenv(var, "-1")
    with pytest.raises(SettingsError, match=var):
        load_settings(settings_cls)
