"""What one broken knowledge file dropped into the folder costs to validate (as a reload does).

    python benchmarks/broken_knowledge.py --facts 20000 [--json]

Copies the shipped base to a temporary folder, adds ``facts/dropped.yaml`` (or ``.json``)
holding FACTS facts that each lack most fields, validates the folder, and prints the
file's size, the problems reported, the time taken and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

from knowledge.loader import DEFAULT_DATA_DIR, validate_data_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=20000, help="broken facts in the dropped file")
    parser.add_argument("--json", action="store_true", help="write the file as JSON instead of YAML")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "knowledge"
        shutil.copytree(DEFAULT_DATA_DIR, folder)
        broken = [{"id": f"broken-{i}", "statement": {"en": f"only English {i:08d}"}} for i in range(args.facts)]
        if args.json:
            path = folder / "facts" / "dropped.json"
            path.write_text(json.dumps({"facts": broken}), encoding="utf-8")
        else:
            path = folder / "facts" / "dropped.yaml"
            path.write_text("facts:\n" + "".join(f"  - {{id: {f['id']}, statement: {{en: {f['statement']['en']}}}}}\n"
                                                 for f in broken), encoding="utf-8")
        started = time.perf_counter()
        problems = validate_data_dir(folder)
        elapsed = time.perf_counter() - started
        size = path.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{size / 1e6:.1f} MB {'JSON' if args.json else 'YAML'}: {len(problems)} problems, {elapsed:.1f} s, "
          f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
