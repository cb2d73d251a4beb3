"""The simulator's and the demo merchant's keys, made once per `$MGOV_HOME` at demo start.

Two files under `<home>/paysim/`, each readable by its owner only:

- `merchant.json`, the merchant's side (what a real merchant gets from the provider's
  portal): mchid, appid, the merchant certificate's serial and private key, the
  platform public key and its id, the APIv3 key, the provider's base URL;
- `provider.json`, the simulator's side: the platform private key, the merchant's public
  key, the same APIv3 key and ids.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from mgov_common import wechatpay as wx

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"


def directory(home: Path) -> Path:
    return home / "paysim"


def _write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def ensure(home: Path, base_url: str, mchid: str = MCHID) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two key files (made if absent, for merchant `mchid`; the base URL is refreshed
    every start)."""
    d = directory(home)
    d.mkdir(parents=True, exist_ok=True)
    m_path, p_path = d / "merchant.json", d / "provider.json"
    if not (m_path.exists() and p_path.exists()):
        merchant, platform = wx.new_rsa_key(), wx.new_rsa_key()
        apiv3 = secrets.token_hex(16)  # 32 ASCII characters, as the portal issues
        serial = secrets.token_hex(20).upper()
        key_id = "PUB_KEY_ID_" + secrets.token_hex(12).upper()
        _write(m_path, {"mchid": mchid, "appid": APPID, "serial_no": serial, "private_key": wx.private_pem(merchant),
                        "platform_key_id": key_id, "platform_public_key": wx.public_pem(platform.public_key()), "apiv3_key": apiv3})
        _write(p_path, {"mchid": mchid, "appid": APPID, "merchant_serial_no": serial,
                        "merchant_public_key": wx.public_pem(merchant.public_key()), "platform_key_id": key_id,
                        "platform_private_key": wx.private_pem(platform), "apiv3_key": apiv3})
    m = json.loads(m_path.read_text())
    if m.get("base_url") != base_url:
        m["base_url"] = base_url
        _write(m_path, m)
    return m, json.loads(p_path.read_text())
