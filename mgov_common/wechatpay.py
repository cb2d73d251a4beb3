"""WeChat Pay API v3's wire protocol: signatures, encrypted notifications, the trade bill.

Written once because two processes speak it: the payment service's provider adapter
(as the merchant) and `mgov paysim` (as the provider). Every primitive is the
`cryptography` library's; this module only builds the exact strings the protocol signs.

- A request is signed by the merchant: RSA-SHA256 (PKCS#1 v1.5) over
  `METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`, sent as
  `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`.
- A response or notification is signed by the platform: RSA-SHA256 over
  `TIMESTAMP\\nNONCE\\nBODY\\n`, in `Wechatpay-Signature` with `Wechatpay-Timestamp`,
  `Wechatpay-Nonce` and `Wechatpay-Serial` (the platform key's id; `PUB_KEY_ID_…` for
  the platform public key mode).
- A notification's `resource` is AEAD_AES_256_GCM with the merchant's 32-byte APIv3
  key: `ciphertext` (base64, tag appended), `nonce` and `associated_data`.
- The trade bill is CSV with every field prefixed by a backtick and amounts in yuan.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEME = "WECHATPAY2-SHA256-RSA2048"
# A notification or response older or newer than this is refused (replay window).
MAX_CLOCK_SKEW_S = 300
_AUTH_PART = re.compile(r'(\w+)="([^"]*)"')


class ProtocolError(ValueError):
    """A message that does not verify or decode; `code` says which check failed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_private(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def nonce() -> str:
    return secrets.token_hex(16).upper()


def sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def request_message(method: str, path_with_query: str, timestamp: str, nonce_str: str, body: str) -> str:
    return f"{method.upper()}\n{path_with_query}\n{timestamp}\n{nonce_str}\n{body}\n"


def response_message(timestamp: str, nonce_str: str, body: str) -> str:
    return f"{timestamp}\n{nonce_str}\n{body}\n"


def authorization(key: rsa.RSAPrivateKey, *, mchid: str, serial_no: str, method: str, path_with_query: str, body: str,
                  timestamp: int) -> str:
    """The merchant's `Authorization` header for one request."""
    n = nonce()
    signature = sign(key, request_message(method, path_with_query, str(timestamp), n, body))
    return f'{SCHEME} mchid="{mchid}",nonce_str="{n}",signature="{signature}",timestamp="{timestamp}",serial_no="{serial_no}"'


@dataclass(frozen=True)
class Authorization:
    mchid: str
    nonce_str: str
    signature: str
    timestamp: str
    serial_no: str


def parse_authorization(header: str) -> Authorization:
    scheme, _, rest = header.partition(" ")
    if scheme != SCHEME:
        raise ProtocolError("bad_scheme", f"the Authorization scheme must be {SCHEME}")
    parts = dict(_AUTH_PART.findall(rest))
    try:
        return Authorization(parts["mchid"], parts["nonce_str"], parts["signature"], parts["timestamp"], parts["serial_no"])
    except KeyError as exc:
        raise ProtocolError("bad_authorization", f"the Authorization header lacks {exc.args[0]}") from None


def platform_headers(key: rsa.RSAPrivateKey, serial: str, body: str, timestamp: int) -> dict[str, str]:
    """The provider's signature headers on a response or notification."""
    n = nonce()
    return {"Wechatpay-Timestamp": str(timestamp), "Wechatpay-Nonce": n, "Wechatpay-Serial": serial,
            "Wechatpay-Signature": sign(key, response_message(str(timestamp), n, body)),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}


def verify_platform(keys: dict[str, rsa.RSAPublicKey], headers: dict[str, str], body: str, now: int) -> None:
    """Checks a provider's message: a known key, a fresh timestamp, a valid signature.
    `headers` have lower-case names."""
    serial = headers.get("wechatpay-serial", "")
    key = keys.get(serial)
    if key is None:
        raise ProtocolError("unknown_key", f"no platform key {serial[:64]!r}")
    raw_ts = headers.get("wechatpay-timestamp", "")
    if not raw_ts.isdigit() or abs(now - int(raw_ts)) > MAX_CLOCK_SKEW_S:
        raise ProtocolError("stale_timestamp", "the Wechatpay-Timestamp is missing or outside the allowed window")
    message = response_message(raw_ts, headers.get("wechatpay-nonce", ""), body)
    if not verify(key, message, headers.get("wechatpay-signature", "")):
        raise ProtocolError("bad_signature", "the Wechatpay-Signature does not verify with the platform key")


def encrypt_resource(apiv3_key: bytes, plaintext: dict[str, Any], associated_data: str, original_type: str) -> dict[str, str]:
    n = secrets.token_hex(6)  # 12 characters, as the provider sends
    ct = AESGCM(apiv3_key).encrypt(n.encode(), json.dumps(plaintext, ensure_ascii=False).encode(), associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(ct).decode(), "associated_data": associated_data,
            "original_type": original_type, "nonce": n}


def decrypt_resource(apiv3_key: bytes, resource: Any) -> dict[str, Any]:
    if not isinstance(resource, dict) or resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise ProtocolError("bad_resource", "the resource is not AEAD_AES_256_GCM")
    try:
        ct = base64.b64decode(str(resource.get("ciphertext", "")), validate=True)
        plain = AESGCM(apiv3_key).decrypt(str(resource.get("nonce", "")).encode(), ct, str(resource.get("associated_data", "")).encode())
        value = json.loads(plain)
    except (InvalidTag, ValueError) as exc:
        raise ProtocolError("undecryptable", "the resource does not decrypt with the APIv3 key") from exc
    if not isinstance(value, dict):
        raise ProtocolError("bad_resource", "the resource is not a JSON object")
    return value


# -- the trade bill (交易账单) -------------------------------------------------------------

BILL_HEADER = ("交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号", "用户标识", "交易类型",
               "交易状态", "付款银行", "货币种类", "应结订单金额", "代金券金额", "微信退款单号", "商户退款单号", "退款金额",
               "充值券退款金额", "退款类型", "退款状态", "商品名称", "商户数据包", "手续费", "费率", "订单金额", "申请退款金额", "费率备注")


@dataclass(frozen=True)
class BillLine:
    trade_time: str
    transaction_id: str
    out_trade_no: str
    trade_state: str  # SUCCESS | REFUND
    currency: str
    amount_fen: int  # 应结订单金额 for a payment
    out_refund_no: str = ""
    refund_fen: int = 0


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def fen(text: str) -> int:
    """Yuan with two decimals, exactly (never a float)."""
    try:
        value = Decimal(text.strip() or "0") * 100
    except InvalidOperation:
        raise ProtocolError("bad_bill", f"not an amount: {text[:32]!r}") from None
    if value != value.to_integral_value():
        raise ProtocolError("bad_bill", f"more than two decimals: {text[:32]!r}")
    return int(value)


def render_bill(lines: list[BillLine], *, appid: str, mchid: str) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(BILL_HEADER)
    total = refunds = 0
    for b in lines:
        row = {h: "" for h in BILL_HEADER}
        row.update({"交易时间": b.trade_time, "公众账号ID": appid, "商户号": mchid, "特约商户号": "0", "微信订单号": b.transaction_id,
                    "商户订单号": b.out_trade_no, "交易类型": "MWEB", "交易状态": b.trade_state, "货币种类": b.currency,
                    "应结订单金额": yuan(b.amount_fen), "代金券金额": "0.00", "微信退款单号": "", "商户退款单号": b.out_refund_no,
                    "退款金额": yuan(b.refund_fen), "充值券退款金额": "0.00", "手续费": "0.00", "费率": "0.60%",
                    "订单金额": yuan(b.amount_fen), "申请退款金额": yuan(b.refund_fen)})
        w.writerow(["`" + row[h] for h in BILL_HEADER])
        total += b.amount_fen if b.trade_state == "SUCCESS" else 0
        refunds += b.refund_fen
    w.writerow(["总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额", "申请退款总金额"])
    w.writerow(["`" + v for v in (str(len(lines)), yuan(total), yuan(refunds), "0.00", "0.00", yuan(total), yuan(refunds))])
    return out.getvalue()


def parse_bill(text: str) -> list[BillLine]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != BILL_HEADER:
        raise ProtocolError("bad_bill", "the bill does not start with the trade bill's header")
    out = []
    for row in rows[1:]:
        if row and row[0] == "总交易单数":
            break
        if len(row) != len(BILL_HEADER):
            raise ProtocolError("bad_bill", "a bill line has the wrong number of fields")
        f = {h: v.removeprefix("`") for h, v in zip(BILL_HEADER, row)}
        out.append(BillLine(f["交易时间"], f["微信订单号"], f["商户订单号"], f["交易状态"], f["货币种类"], fen(f["应结订单金额"]),
                            f["商户退款单号"], fen(f["退款金额"])))
    return out
