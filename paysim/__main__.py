"""`python -m paysim` (`mgov paysim`): run the payment provider simulator.

Listens on 127.0.0.1:`MGOV_PAYSIM_PORT` (8090); keys under `$MGOV_HOME/paysim/`
(made on first start, `paysim.keys`) for the merchant `MGOV_PAYSIM_MCHID` (1900000109).
Notifications go to loopback receivers only, unless `MGOV_PAYSIM_NOTIFY_INSIDE=1` (the
simulator as a sidecar in a development cluster, notifying the gateway's Service).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import uvicorn

from mgov_common.outbound import OutboundGuard
from paysim import keys
from paysim.app import Sim, create_app

DEFAULT_PORT = 8090


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s paysim %(levelname)s %(message)s")
    port = int(os.environ.get("MGOV_PAYSIM_PORT", DEFAULT_PORT))
    home = Path(os.environ.get("MGOV_HOME", ".mgov"))
    base_url = f"http://127.0.0.1:{port}"
    _, provider = keys.ensure(home, base_url, os.environ.get("MGOV_PAYSIM_MCHID", keys.MCHID))
    inside = os.environ.get("MGOV_PAYSIM_NOTIFY_INSIDE", "") == "1"
    app = create_app(Sim(provider, base_url, OutboundGuard(allow_loopback=True)), notify_inside=inside)
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False, timeout_graceful_shutdown=2)


if __name__ == "__main__":
    main()
