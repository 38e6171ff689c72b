"""The soak's Modbus devices in a process of their own, so that bench/soak.py can kill -9 and restart them.

`python bench/soak_sim.py SITE T0 FAULTS`: serves every bus of SITE with `collectors.simulator.Simulation`
(Anjing's own site has `simulator: {enabled: false}`); FAULTS is JSON `[[seconds after T0, device, point],
…]`, each a lamp fault triggered at that time — at once on a restart after it, so a restarted simulator
shows the same faults as one that never died.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

from collectors.simulator import Simulation
from config import load_site


async def serve(site_path: Path, t0: float, faults: list[tuple[float, str, str]]) -> None:
    async with Simulation(load_site(site_path)) as sim:
        for at, device, point in sorted(faults):
            await asyncio.sleep(max(0.0, t0 + at - time.time()))
            sim.trigger(device, "lamp_fault", point=point)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1]), float(sys.argv[2]), [tuple(f) for f in json.loads(sys.argv[3])]))
