"""Copy the screenshots the web tests took (web/screenshots/) that the user guides show into
docs/guide/img/, so the guides picture the app as it is tested.

    .venv/bin/pytest tests/web && .venv/bin/python scripts/guide_images.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "web" / "screenshots"
GUIDE = ROOT / "docs" / "guide" / "img"

USED = [
    "signup-desktop",
    "investor-kyc-form-desktop",
    "investor-discover-desktop",
    "investor-smallcase-desktop",
    "investor-smallcase-history-desktop",
    "investor-smallcase-hindi-phone",
    "investor-settings-webhook-desktop",
    "investor-orders-pending-desktop",
    "investor-portfolio-desktop",
    "investor-portfolio-phone",
    "investor-subscription-desktop",
    "investor-activity-desktop",
    "investor-tax-desktop",
    "investor-sip-desktop",
    "investor-tax-dividends-desktop",
    "manager-smallcases-desktop",
    "manager-smallcases-drafts-desktop",
    "manager-settings-desktop",
    "manager-backtest-desktop",
    "manager-new-batch-desktop",
    "manager-batch-preview-desktop",
    "manager-batch-done-desktop",
    "manager-batch-done-phone",
    "manager-drift-band-desktop",
    "admin-overview-desktop",
    "admin-kyc-queue-desktop",
    "admin-cash-desktop",
    "admin-settings-desktop",
    "refused-desktop",
]


def main() -> int:
    missing = [name for name in USED if not (SHOTS / f"{name}.png").exists()]
    if missing:
        print(f"run the web tests first; missing: {', '.join(missing)}", file=sys.stderr)
        return 1
    GUIDE.mkdir(parents=True, exist_ok=True)
    for name in USED:
        shutil.copyfile(SHOTS / f"{name}.png", GUIDE / f"{name}.png")
    print(f"copied {len(USED)} screenshots to {GUIDE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
