"""Who may use the embedded NATS server of `mgov up`: the config's authorization part.

Every platform process is a NATS user of its own (password checked by the server from a
bcrypt hash) and is exempt from the auth callout (`auth_users`); everyone else, i.e. the
tenant systems, is authorized at connect time by identity's auth callout, which signs
their user JWTs with the issuer seed whose public key is in the config. A user of the
system account (`mgov-sys`) lets identity close connections on every server. The same
structure is deploy/k8s/base/nats.yaml's.

Demo mode derives every secret from a stable demo value (tests and tools can rebuild
them); otherwise each `mgov up` makes fresh random ones and rewrites the config.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from launcher.topology import SERVICES

# `mgov` is the launcher's and the operators' tools'; then every service and the gateway.
PLATFORM_USERS = ("mgov", *SERVICES, "gateway")
SYSTEM_ACCOUNT_USER = "mgov-sys"
CALLOUT_SUBJECT = "$SYS.REQ.USER.AUTH"


@dataclass(frozen=True)
class NatsAuth:
    passwords: dict[str, str]  # platform user (and mgov-sys) -> password
    issuer_seed: str

    @property
    def issuer_public_key(self) -> str:
        from services.identity.adapters import nats_jwt

        return nats_jwt.public_key(nats_jwt.key_pair(self.issuer_seed))

    @classmethod
    def make(cls, demo: bool) -> "NatsAuth":
        from mgov_common.settings import demo_secret
        from services.identity.adapters import nats_jwt

        users = (*PLATFORM_USERS, SYSTEM_ACCOUNT_USER)
        if demo:
            passwords = {u: demo_secret("nats", "platform_password" if u == "mgov" else f"password_{u}") for u in users}
            seed = nats_jwt.account_seed_from(hashlib.sha256(demo_secret("nats", "callout_issuer").encode()).digest())
        else:
            passwords = {u: secrets.token_urlsafe(32) for u in users}
            seed = nats_jwt.new_account_seed()
        return cls(passwords, seed)

    def url(self, user: str, host: str, port: int | Sequence[int]) -> str:
        """`user`'s URL of one server, or of every node of a cluster (comma-separated)."""
        from mgov_common.bus import with_credentials

        ports = [port] if isinstance(port, int) else list(port)
        return with_credentials(",".join(f"nats://{host}:{p}" for p in ports), user, self.passwords[user])

    def identity_env(self) -> dict[str, str]:
        return {"MGOV_IDENTITY_NATS_CALLOUT_SEED": self.issuer_seed,
                "MGOV_IDENTITY_NATS_SYSTEM_USER": SYSTEM_ACCOUNT_USER,
                "MGOV_IDENTITY_NATS_SYSTEM_PASSWORD": self.passwords[SYSTEM_ACCOUNT_USER]}


def _user(name: str, password_hash: str) -> dict[str, object]:
    entry: dict[str, object] = {"user": name, "password": password_hash}
    if name != "identity":
        # Only identity answers the callout: nobody else may read the requests (they
        # carry the systems' passwords) or answer them.
        entry["permissions"] = {"subscribe": {"deny": [CALLOUT_SUBJECT]}, "publish": {"allow": [">"]}}
    return entry


def render_authorization(auth: NatsAuth) -> str:
    """The `accounts`, `system_account` and `authorization` blocks (NATS config syntax
    takes JSON values)."""
    import bcrypt

    def hashed(user: str) -> str:
        return bcrypt.hashpw(auth.passwords[user].encode(), bcrypt.gensalt(10)).decode()

    users = ",\n    ".join(json.dumps(_user(u, hashed(u))) for u in PLATFORM_USERS)
    # The system account can reload and reconfigure servers: identity's user there may
    # only list connections and close them.
    sys_user = json.dumps({"user": SYSTEM_ACCOUNT_USER, "password": hashed(SYSTEM_ACCOUNT_USER),
                           "permissions": {"publish": {"allow": ["$SYS.REQ.SERVER.PING.CONNZ", "$SYS.REQ.SERVER.*.KICK"]},
                                           "subscribe": {"allow": ["_INBOX.>"]}}})
    exempt = json.dumps([*PLATFORM_USERS, SYSTEM_ACCOUNT_USER])
    return (
        "accounts {\n"
        f"  SYS {{ users: [ {sys_user} ] }}\n"
        "}\n"
        "system_account: SYS\n"
        "authorization {\n"
        # Time for the whole connect, the callout's round trip to identity included.
        "  timeout: 5\n"
        f"  users: [\n    {users}\n  ]\n"
        "  auth_callout {\n"
        f"    issuer: {json.dumps(auth.issuer_public_key)}\n"
        f"    auth_users: {exempt}\n"
        "  }\n"
        "}\n"
    )


def write_config(root: Path, server_name: str, auth: NatsAuth, extra: str = "") -> Path:
    """`root/nats.conf` (mode 0600): the server's name, `extra` (e.g. a cluster block) and
    the authorization. Every node of a cluster gets the same authorization (the same
    `NatsAuth`): any node may ask identity, and identity's kicks reach every node."""
    root.mkdir(parents=True, exist_ok=True)
    conf = root / "nats.conf"
    tmp = conf.with_suffix(".tmp")
    # A hung client (a stalled identity replica in the callout's queue group) is dropped
    # after two unanswered pings, so its share of authorization requests goes to the others.
    tmp.write_text("# Written by `mgov up` at every start; do not edit.\n"
                   f"server_name: {json.dumps(server_name)}\nping_interval: \"10s\"\nping_max: 2\n"
                   f"{extra}{render_authorization(auth)}")
    os.chmod(tmp, 0o600)
    os.replace(tmp, conf)
    return conf


def main(argv: list[str] | None = None) -> int:
    """`python -m launcher.nats_auth OUT_DIR`: fresh NATS credentials for a cluster.

    Writes `auth.conf` (the servers' authorization include: bcrypt hashes and the
    issuer's public key, for the Secret `nats-auth`) and one file per secret for the
    Secret `mgov-nats`: each platform user's password, `mgov-sys`'s, and `callout-seed`.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m launcher.nats_auth", description=main.__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--demo-values", action="store_true", help="published DEMO-ONLY passwords (the dev overlay)")
    args = parser.parse_args(argv)
    auth = NatsAuth.make(demo=False)
    if args.demo_values:
        auth = NatsAuth({u: f"DEMO-ONLY_mgov-nats-{u}_NOT-A-SECRET" for u in auth.passwords}, auth.issuer_seed)
    args.out.mkdir(parents=True, exist_ok=True)
    os.chmod(args.out, 0o700)
    (args.out / "auth.conf").write_text("# The NATS servers' authorization (python -m launcher.nats_auth).\n" + render_authorization(auth))
    for user, password in {**auth.passwords, "callout-seed": auth.issuer_seed}.items():
        (args.out / user).write_text(password)
    print(f"wrote {args.out}/auth.conf and {len(auth.passwords) + 1} secret files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
