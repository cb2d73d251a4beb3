"""Settings of the payment service (env prefix `MGOV_PAYMENT_`).

The WeChat Pay merchant's credentials (`WECHATPAY_*`) are secrets with no default
outside demo mode; in demo mode they are read from the simulator's
`$MGOV_HOME/paysim/merchant.json` (made by `mgov up`) when not set. They are the
default merchant account (`DEFAULT_MERCHANT`, `wechatpay`); further accounts, which
tenants' settings name, are files `<name>.json` of the same fields in `MERCHANTS_DIR`. The receipt signing
key is an Ed25519 private key given as 64 hex digits (its 32-byte seed), or any secret of
at least 32 characters whose SHA-256 is the seed.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from mgov_common.clock import DEMO_CLOCK_FILE
from mgov_common.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MGOV_PAYMENT_", extra="ignore")
    service_name: ClassVar[str] = "payment"
    secret_fields: ClassVar[tuple[str, ...]] = ("receipt_signing_key", "page_token_secret")

    port: int = 50056
    receipt_signing_key: SecretStr | None = None
    # Where the provider posts notifications: the gateway's /v1/payments/notifications/wechatpay.
    notify_url: str = "http://127.0.0.1:8000/v1/payments/notifications/wechatpay"
    # The public base of the mobile API, for receipts' verification links.
    public_base_url: str = "http://127.0.0.1:8000"
    wechatpay_base_url: str = "https://api.mch.weixin.qq.com"
    wechatpay_mchid: str = ""
    wechatpay_appid: str = ""
    wechatpay_serial_no: str = ""
    wechatpay_private_key: SecretStr | None = None
    wechatpay_platform_key_id: str = ""
    wechatpay_platform_public_key: str = ""
    wechatpay_apiv3_key: SecretStr | None = None
    provider_timeout_s: float = Field(default=10.0, gt=0)
    # An order not paid within this many seconds expires.
    order_ttl_s: float = Field(default=7 * 86400.0, gt=0)
    # Case outcomes that refund a paid fee: rejected, withdrawn (empty: none).
    refund_on: list[str] = Field(default_factory=lambda: ["rejected", "withdrawn"])
    # A paying order with no news for this long is asked about at the provider.
    stuck_after_s: float = Field(default=300.0, gt=0)
    worker_poll_s: float = Field(default=2.0, gt=0)
    clock_file: Path | None = None
    # The account of tenants whose settings name none, and a directory of further accounts.
    default_merchant: str = Field(default="wechatpay", pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    merchants_dir: Path | None = None

    @model_validator(mode="after")
    def _receipt_key(self) -> "PaymentSettings":
        key = self.receipt_signing_key
        if key is not None and len(key.get_secret_value()) < 32:
            raise ValueError("MGOV_PAYMENT_RECEIPT_SIGNING_KEY: at least 32 characters (64 hex digits: the Ed25519 seed itself)")
        return self

    def receipt_seed(self) -> bytes:
        """The Ed25519 seed: the key's 64 hex digits, else the SHA-256 of the secret."""
        assert self.receipt_signing_key is not None
        raw = self.receipt_signing_key.get_secret_value()
        return bytes.fromhex(raw) if re.fullmatch(r"[0-9a-fA-F]{64}", raw) else hashlib.sha256(raw.encode()).digest()

    def demo_clock_path(self) -> Path:
        return self.clock_file or (self.home / DEMO_CLOCK_FILE)

    def merchant(self) -> dict[str, Any]:
        """The merchant's credentials: the settings, else (demo mode) the simulator's file."""
        if self.wechatpay_private_key is not None:
            assert self.wechatpay_apiv3_key is not None
            return {"base_url": self.wechatpay_base_url, "mchid": self.wechatpay_mchid, "appid": self.wechatpay_appid,
                    "serial_no": self.wechatpay_serial_no, "private_key": self.wechatpay_private_key.get_secret_value(),
                    "platform_key_id": self.wechatpay_platform_key_id, "platform_public_key": self.wechatpay_platform_public_key,
                    "apiv3_key": self.wechatpay_apiv3_key.get_secret_value()}
        path = self.home / "paysim" / "merchant.json"
        if not self.demo or not path.exists():
            raise ValueError("MGOV_PAYMENT_WECHATPAY_PRIVATE_KEY and MGOV_PAYMENT_WECHATPAY_APIV3_KEY are required "
                             "(in demo mode `mgov up` makes them for the simulator)")
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    def merchant_accounts(self) -> dict[str, dict[str, Any]]:
        """Every merchant account by name: each file `<name>.json` of MERCHANTS_DIR (the
        fields of `merchant()`, and optionally `notify_url`), then the default account."""
        accounts: dict[str, dict[str, Any]] = {}
        if self.merchants_dir is not None:
            for path in sorted(self.merchants_dir.glob("*.json")):
                if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", path.stem):
                    raise ValueError(f"MGOV_PAYMENT_MERCHANTS_DIR: {path.name}: a merchant account is named 1-32 of a-z, 0-9, _ and -")
                data = json.loads(path.read_text())
                missing = {"base_url", "mchid", "appid", "serial_no", "private_key", "platform_key_id", "platform_public_key",
                           "apiv3_key"} - set(data)
                if missing:
                    raise ValueError(f"MGOV_PAYMENT_MERCHANTS_DIR: {path.name} lacks {', '.join(sorted(missing))}")
                accounts[path.stem] = data
        try:
            accounts.setdefault(self.default_merchant, self.merchant())
        except ValueError:
            if not accounts:
                raise
        return accounts

    def notify_url_of(self, account: str, data: dict[str, Any]) -> str:
        """Where the provider posts an account's notifications: the gateway's
        /v1/payments/notifications/<account>."""
        if data.get("notify_url"):
            return str(data["notify_url"])
        return self.notify_url.rsplit("/", 1)[0] + "/" + account
