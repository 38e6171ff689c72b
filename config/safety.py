"""The site's `safety:` section: which emergency plan applies, and how often its live state is reviewed.

The plan itself (sections, checklist items, inspections) is a YAML file of its own, loaded and checked
against the site by `safety.plan`; this section only names it — a shipped plan by id, as profiles are
(`service-center` is `config/plans/service-center.yaml`), or a file of the site's own — so the site
file stays short and one plan template can serve several sites.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from config.types import Seconds

SHIPPED_PLANS = Path(__file__).parent / "plans"


class SafetyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: str = Field(
        description="a shipped plan's id (service-center), or a YAML file relative to the site file"
    )
    tick: Seconds = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="how often self-test records are taken up and inspection due states refreshed",
    )

    def plan_file(self, base_dir: Path) -> Path:
        """The plan's file: `config/plans/<id>.yaml` for a bare id, else the path from `base_dir`."""
        if "/" not in self.plan and "\\" not in self.plan and not self.plan.endswith((".yaml", ".yml")):
            return SHIPPED_PLANS / f"{self.plan}.yaml"
        path = Path(self.plan)
        return path if path.is_absolute() else base_dir / path
