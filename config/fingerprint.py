"""The checksum of a running configuration: every file a site's load read, so an edit anywhere shows.

Definition: SHA-256 over, in this order, the site file; every `*.yaml` of each profile folder (the
shipped one, then `profile_dirs` in order) and of its `mqtt/` subfolder; every shipped standard; each
`alerting.surveys` file; the emergency plan (`safety.plan`). Each file contributes `name NUL size NUL bytes`, where `name` is its role
and path inside its folder (`site`, `profiles[1]/air-7in1.yaml`, `standards/gb-50034-2013.yaml`,
`surveys/hall`, `safety/plan`), so moving an installation to another folder keeps its checksum. `${ENV}` values
are not part of it: secrets stay out of anything shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from config.loader import Site
from config.profiles import MQTT_SUBFOLDER, SHIPPED_PROFILES
from config.standards import SHIPPED_STANDARDS


def config_checksum(site: Site) -> str:
    """`sha256:<hex>` of the files `site` was loaded from (see the module's docstring)."""
    digest = hashlib.sha256()
    for name, path in _files(site):
        try:
            data = path.read_bytes()
        except OSError:  # gone since the load: its absence is part of what runs
            data = b""
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return f"sha256:{digest.hexdigest()}"


def _files(site: Site) -> Iterator[tuple[str, Path]]:
    yield "site", site.path
    folders = [SHIPPED_PROFILES, *(site.resolve(folder) for folder in site.config.profile_dirs)]
    for i, folder in enumerate(folders):
        for sub, where in (("", folder), (f"{MQTT_SUBFOLDER}/", folder / MQTT_SUBFOLDER)):
            for path in sorted(where.glob("*.yaml")):
                yield f"profiles[{i}]/{sub}{path.name}", path
    for path in sorted(SHIPPED_STANDARDS.glob("*.yaml")):
        yield f"standards/{path.name}", path
    for path in sorted((SHIPPED_STANDARDS / "lab").glob("*.yaml")):  # limits of lab-only parameters
        yield f"standards/lab/{path.name}", path
    for zone, survey in sorted(site.config.alerting.surveys.items()):
        yield f"surveys/{zone}", site.resolve(survey.file)
    if site.config.safety is not None:
        yield "safety/plan", site.config.safety.plan_file(site.base_dir)
