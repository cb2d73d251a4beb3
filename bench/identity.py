"""Identity figures: local token verification, and sign-in latency with its argon2 cost.

    .venv/bin/python -m bench.identity [--seconds S] [--signins N] [--repeats R]

1. Local verification on one core (the process pinned to one CPU): the platform's
   `mgov_common.auth.TokenVerifier` with a warm JWKS cache (what every service and the
   gateway do per request), beside the raw PyJWT EdDSA `jwt.decode` loop with the same
   Ed25519 key and the same claim checks (aud, iss, exp, required claims), and the bare
   `cryptography` Ed25519 signature check as the floor. Same tokens, same run.
2. Sign-in latency: embedded PostgreSQL and NATS under a temporary directory, the
   identity service (`python -m services.identity`, demo mode, its default argon2id
   parameters) and the gateway as separate processes; N sequential sign-ins of a demo
   account over gRPC `Authenticate` and over `POST /v1/auth/token`, p50/p99, beside one
   bare argon2id verify with the same parameters (the floor of a sign-in).

Figures only; nothing is asserted. Progress on stderr; the table and a final
`BENCH_JSON {...}` line on stdout. Everything started is stopped in `finally`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEMO_PHONE, DEMO_PASSWORD = "13900000100", "mgov-demo-2026"


def log(msg: str) -> None:
    print(f"[bench.identity] {msg}", file=sys.stderr, flush=True)


def _count(fn: Callable[[int], None], seconds: float) -> tuple[int, float]:
    """(calls, elapsed) of fn(i), run in chunks of 100 until `seconds` have passed."""
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for i in range(100):
            fn(n + i)
        n += 100
    return n, elapsed


def _rates(fns: dict[str, Callable[[int], None]], seconds: float, slices: int = 20) -> dict[str, float]:
    """Calls/s of each fn, measured in alternating short slices (rotating the order), so a
    change of machine load during the run weighs on every fn alike."""
    totals = {name: [0, 0.0] for name in fns}
    names = list(fns)
    for k in range(slices):
        for name in names[k % len(names):] + names[:k % len(names)]:
            n, elapsed = _count(fns[name], seconds / slices)
            totals[name][0] += n
            totals[name][1] += elapsed
    return {name: n / elapsed for name, (n, elapsed) in totals.items()}


def verification(seconds: float, repeats: int) -> dict[str, Any]:
    import base64

    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from jwt import PyJWK

    from mgov_common.auth import ALGORITHM, AUDIENCE, ISSUER, JwksCache, TokenVerifier

    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    x = base64.urlsafe_b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).rstrip(b"=").decode()
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "bench", "alg": "EdDSA", "use": "sig"}
    now = int(time.time())
    tokens = [jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": str(uuid.uuid4()), "tenant": "hangzhou",
                          "roles": ["hangzhou:citizen", "xihu:clerk"], "kind": "user", "lvl": 1, "jti": uuid.uuid4().hex,
                          "iat": now, "exp": now + 3600}, private, algorithm="EdDSA", headers={"kid": "bench"})
              for _ in range(1000)]
    signed = [(t.rsplit(".", 1)[0].encode(), base64.urlsafe_b64decode(t.rsplit(".", 1)[1] + "==")) for t in tokens]

    async def fetch() -> dict[str, Any]:
        return {"keys": [jwk]}

    verifier = TokenVerifier(JwksCache(fetch))
    key = PyJWK.from_dict(jwk, algorithm=ALGORITHM)
    options = {"require": ["exp", "iat", "sub", "jti", "aud", "iss"]}
    loop = asyncio.new_event_loop()
    loop.run_until_complete(verifier.verify(tokens[0]))  # warm the JWKS cache

    def platform_verify(i: int) -> None:
        # verify() never awaits once the cache is warm: drive the coroutine directly, so
        # the figure is the verifier's work, not the event loop's scheduling.
        coro = verifier.verify(tokens[i % 1000])
        try:
            coro.send(None)
        except StopIteration:
            return
        raise RuntimeError("the warm verifier awaited something")

    def raw_pyjwt(i: int) -> None:
        jwt.decode(tokens[i % 1000], key=key, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER, options=options)

    def raw_ed25519(i: int) -> None:
        message, signature = signed[i % 1000]
        public.verify(signature, message)

    runs: dict[str, list[float]] = {"platform": [], "pyjwt": [], "ed25519": []}
    for r in range(repeats):
        rates = _rates({"platform": platform_verify, "pyjwt": raw_pyjwt, "ed25519": raw_ed25519}, seconds)
        for name, rate in rates.items():
            runs[name].append(rate)
        log(f"verification run {r + 1}/{repeats}: platform {runs['platform'][-1]:,.0f}/s, pyjwt {runs['pyjwt'][-1]:,.0f}/s")
    loop.close()
    med = {k: statistics.median(v) for k, v in runs.items()}
    return {"runs": runs, "median": med, "ratio_platform_to_pyjwt": med["platform"] / med["pyjwt"],
            "token_bytes": len(tokens[0])}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _wait(cond: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready within {timeout:.0f} s")
        time.sleep(0.1)


def sign_in(signins: int) -> dict[str, Any]:
    import grpc
    import httpx
    from argon2 import PasswordHasher

    from launcher.embedded import EmbeddedNats, EmbeddedPostgres
    from mgov.identity.v1 import identity_pb2, identity_pb2_grpc
    from mgov_common.migrations import migrate
    from mgov_common.ports import free_port, is_listening
    from services.identity.bootstrap import MIGRATIONS
    from services.identity.settings import IdentitySettings

    defaults = IdentitySettings(demo=True)
    params = {"time_cost": defaults.argon2_time_cost, "memory_kib": defaults.argon2_memory_kib, "parallelism": defaults.argon2_parallelism}
    hasher = PasswordHasher(time_cost=params["time_cost"], memory_cost=params["memory_kib"], parallelism=params["parallelism"])
    stored = hasher.hash(DEMO_PASSWORD)
    bare: list[float] = []

    def bare_verify() -> None:
        # Interleaved with the sign-ins, so both see the same machine load.
        t = time.perf_counter()
        hasher.verify(stored, DEMO_PASSWORD)
        bare.append((time.perf_counter() - t) * 1000)

    root = Path(tempfile.mkdtemp(prefix="mgov-bench-identity-"))
    nats, pg = EmbeddedNats(root / "nats", free_port()), EmbeddedPostgres(root / "pg", free_port(), fast=True)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        nats.start()
        pg.start()
        asyncio.run(migrate(pg.dsn, "identity", MIGRATIONS))
        id_port, gw_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MGOV_")}
        env.update({"MGOV_DATABASE_URL": pg.dsn, "MGOV_NATS_URL": nats.url, "MGOV_DEMO": "1", "MGOV_HOME": str(root),
                    "MGOV_IDENTITY_PORT": str(id_port), "MGOV_IDENTITY_ADDR": f"127.0.0.1:{id_port}",
                    "MGOV_GATEWAY_PORT": str(gw_port), "MGOV_GATEWAY_IDENTITY_ADDR": f"127.0.0.1:{id_port}",
                    "MGOV_LOG_LEVEL": "WARNING"})
        logs = root / "logs"
        logs.mkdir()
        for module, name in (("services.identity", "identity"), ("gateway", "gateway")):
            out = (logs / f"{name}.log").open("wb")
            procs.append(subprocess.Popen([sys.executable, "-m", module], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT))
            port = id_port if name == "identity" else gw_port
            _wait(lambda port=port: is_listening(port), 60, name, procs[-1])
        log(f"identity and gateway up; {signins} sequential sign-ins each way")

        async def grpc_signins() -> list[float]:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{id_port}") as ch:
                stub = identity_pb2_grpc.IdentityServiceStub(ch)
                req = identity_pb2.AuthenticateRequest(phone=DEMO_PHONE, password=DEMO_PASSWORD, source_address="192.0.2.1")
                for _ in range(3):
                    await stub.Authenticate(req, timeout=10)
                out = []
                for _ in range(signins):
                    bare_verify()
                    t = time.perf_counter()
                    await stub.Authenticate(req, timeout=10)
                    out.append((time.perf_counter() - t) * 1000)
                return out

        async def http_signins() -> list[float]:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gw_port}", timeout=10) as c:
                body = {"username": DEMO_PHONE, "password": DEMO_PASSWORD}
                for _ in range(3):
                    (await c.post("/v1/auth/token", json=body)).raise_for_status()
                out = []
                for _ in range(signins):
                    bare_verify()
                    t = time.perf_counter()
                    (await c.post("/v1/auth/token", json=body)).raise_for_status()
                    out.append((time.perf_counter() - t) * 1000)
                return out

        via_grpc = asyncio.run(grpc_signins())
        via_http = asyncio.run(http_signins())
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        pg.stop()
        nats.stop()
        shutil.rmtree(root, ignore_errors=True)

    def summary(ms: list[float]) -> dict[str, float]:
        return {"p50_ms": statistics.median(ms), "p99_ms": _percentile(ms, 99), "mean_ms": statistics.fmean(ms), "n": len(ms)}

    return {"argon2id": params, "bare_argon2_verify": summary(bare), "grpc_authenticate": summary(via_grpc),
            "gateway_token": summary(via_http)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.identity", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=2.0, help="seconds per verification measurement (default 2)")
    p.add_argument("--repeats", type=int, default=3, help="runs of each verification measurement (default 3)")
    p.add_argument("--signins", type=int, default=100, help="sequential sign-ins per path (default 100)")
    args = p.parse_args(argv)

    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[-1]})  # one core for the verification loops
    try:
        verify = verification(args.seconds, args.repeats)
    finally:
        os.sched_setaffinity(0, set(cpus))
    signin = sign_in(args.signins)

    m = verify["median"]
    print(f"\nAccess-token verification, one core (CPU {cpus[-1]} of {len(cpus)}), EdDSA/Ed25519, {verify['token_bytes']} B tokens; "
          f"median of {args.repeats} runs of {args.seconds:.0f} s each, the three loops alternating in 20 slices")
    print(f"  {'measurement':<62} {'verifications/s':>16}")
    print(f"  {'mgov_common TokenVerifier.verify (warm JWKS cache)':<62} {m['platform']:>16,.0f}")
    print(f"  {'raw PyJWT jwt.decode, same key and claim checks (reference)':<62} {m['pyjwt']:>16,.0f}")
    print(f"  {'bare Ed25519 signature check (cryptography; the floor)':<62} {m['ed25519']:>16,.0f}")
    print(f"  ratio platform / raw PyJWT: {verify['ratio_platform_to_pyjwt']:.0%}")
    a = signin["argon2id"]
    print(f"\nSign-in latency, sequential, demo account; argon2id t={a['time_cost']}, m={a['memory_kib'] // 1024} MiB, p={a['parallelism']}")
    print(f"  {'path':<62} {'p50 ms':>8} {'p99 ms':>8} {'n':>5}")
    for key, name in (("bare_argon2_verify", "bare argon2id verify, same parameters, interleaved (the floor)"),
                      ("grpc_authenticate", "identity gRPC Authenticate (2 transactions + argon2 + JWT)"),
                      ("gateway_token", "POST /v1/auth/token through the gateway")):
        s = signin[key]
        print(f"  {name:<62} {s['p50_ms']:>8.1f} {s['p99_ms']:>8.1f} {s['n']:>5}")
    print(f"  (raw PyJWT verify of the same key type in this run: {m['pyjwt']:,.0f}/s, i.e. {1000 / m['pyjwt']:.3f} ms each)")
    result = {"machine": {"python": platform.python_version(), "cpus": len(cpus)}, "verification": verify, "sign_in": signin}
    print("BENCH_JSON " + json.dumps({"identity": result}, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
