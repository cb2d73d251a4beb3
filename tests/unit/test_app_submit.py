"""How every form of the app sends (web/src/lib/submit.js, `useSubmit`, run by Node): one
request at a time, one Idempotency-Key per submission kept while its outcome is unknown,
and the server's field errors on the screen's own fields."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
# The app's modules read localStorage when loaded: Node gets an in-memory one first.
PRELUDE = """
const store = new Map()
globalThis.localStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, String(v)), removeItem: (k) => store.delete(k) }
const { useSubmit } = await import('%(submit)s')
const { ApiError } = await import('%(api)s')
const out = {}
"""


def run_node(script: str) -> dict[str, Any]:
    if NODE is None or not (REPO / "web" / "node_modules" / "vue").is_dir():
        pytest.skip("needs Node and web/node_modules (npm ci in web/)")
    source = PRELUDE % {"submit": REPO / "web/src/lib/submit.js", "api": REPO / "web/src/lib/api.js"} + script + \
        "\nprocess.stdout.write(JSON.stringify(out))\n"
    done = subprocess.run([NODE, "--input-type=module", "-"], input=source, capture_output=True, text=True, timeout=60, cwd=REPO / "web")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_a_double_tap_sends_once_and_the_button_shows_it_is_busy() -> None:
    out = run_node("""
const form = useSubmit()
let sent = 0, release
const send = () => { sent += 1; return new Promise((r) => { release = r }) }
const first = form.run(send, { tag: 'approve' })
out.busyWhileSending = form.busy.value
out.second = (await form.run(send)) ?? 'nothing sent'
release('case-1')
out.first = await first
out.sent = sent
out.busyAfter = form.busy.value
""")
    assert out == {"busyWhileSending": "approve", "second": "nothing sent", "first": "case-1", "sent": 1, "busyAfter": False}


def test_the_idempotency_key_is_kept_until_the_server_answers_and_renewed_after() -> None:
    out = run_node("""
const form = useSubmit()
const keys = []
const failWith = (status) => async (key) => { keys.push(key); throw new ApiError(status, { detail: 'x' }) }
await form.run(failWith(0))      // offline: the outcome is unknown
await form.run(failWith(503))    // the server failed: still unknown
await form.run(failWith(422))    // refused: this body will never be accepted
await form.run(async (key) => { keys.push(key); return 'ok' })
await form.run(async (key) => { keys.push(key); return 'ok' })
await form.run(failWith(0))
form.renew()                     // the user chose something else: a new request
await form.run(failWith(0))
out.keys = keys
""")
    keys = out["keys"]
    assert keys[0] == keys[1] == keys[2], "a retry after no answer must be the same request"
    assert keys[3] != keys[2], "a corrected body after a refusal is a new request"
    assert keys[4] != keys[3], "after a success the next submission is a new request"
    assert keys[6] != keys[5], "a changed choice is a new request, even after no answer"
    assert all(len(k) >= 32 for k in keys)


def test_the_servers_field_errors_land_on_the_screens_fields_and_checks_stop_the_request() -> None:
    out = run_node("""
const form = useSubmit({ field: (name) => (name === 'username' ? 'phone' : name.startsWith('form.') ? name.slice(5) : null),
                         invalid: () => ({ status: 422, message: 'fix the fields' }) })
await form.run(async () => { throw new ApiError(422, { detail: 'bad', errors: [
  { field: 'username', message: 'not a phone' }, { field: 'form.name', message: 'too short' }, { field: 'other', message: 'ignored' }] }) })
out.serverErrors = form.errors.value
out.serverProblem = form.problem.value.message
let sent = false
await form.run(async () => { sent = true }, { check: () => ({ phone: 'required' }) })
out.checkErrors = form.errors.value
out.checkProblem = form.problem.value.message
out.sent = sent
await form.run(async () => { throw new ApiError(412, { detail: 'stale' }) }, { onError: (err) => ({ status: err.status, message: 'reloaded' }) })
out.replaced = form.problem.value.message
await form.run(async () => 'fine')
out.cleared = [form.problem.value, form.errors.value]
""")
    assert out["serverErrors"] == {"phone": "not a phone", "name": "too short"}
    assert out["serverProblem"] == "bad"
    assert out["checkErrors"] == {"phone": "required"} and out["checkProblem"] == "fix the fields" and out["sent"] is False
    assert out["replaced"] == "reloaded"
    assert out["cleared"] == [None, {}]
