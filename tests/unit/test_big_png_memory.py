"""A 150-megapixel PNG just under the pixel limit is prepared in reduced form: the process's
peak memory grows by at most 4 times the prepared picture (measured in a fresh process, from
its resident size before to its peak resident size after, which counts Pillow's own
allocations: tracemalloc does not see them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.big_png import SIZE, write_big_png

CHILD = """
import io, json, sys
from PIL import Image
from desktop.media.images import prepare_image

def status(key):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(key))

data = open(sys.argv[1], "rb").read()
tiny = io.BytesIO()
Image.new("RGB", (64, 48)).save(tiny, "PNG")
prepare_image(tiny.getvalue(), "warm.png", 32)  # modules and codecs loaded
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # the peak (VmHWM) starts again from now
before = status("VmRSS:")
prepared = prepare_image(data, "big.png", int(sys.argv[2]))
peak = status("VmHWM:")
picture = Image.open(io.BytesIO(prepared.data))
print(json.dumps({
    "grown_kb": peak - before, "size": [prepared.width, prepared.height],
    "original": [prepared.original_width, prepared.original_height],
    "bands": len(picture.getbands()), "bytes": len(prepared.data),
}))
"""


@pytest.fixture(scope="module")
def big_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_big_png(tmp_path_factory.mktemp("big") / "big.png")


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status and clear_refs")
@pytest.mark.parametrize("long_edge", [2576, 1568])
def test_a_150_megapixel_png_costs_at_most_four_times_the_prepared_picture(
    big_png: Path, long_edge: int
) -> None:
    assert big_png.stat().st_size < 2_000_000  # a small file that unpacks to ~450 MB
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(big_png), str(long_edge)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    facts = json.loads(done.stdout)
    width, height = facts["size"]
    assert max(width, height) == long_edge
    assert facts["original"] == list(SIZE)
    assert facts["bytes"] <= 5 * 1024 * 1024
    prepared = width * height * facts["bands"]
    grown = facts["grown_kb"] * 1024
    print(f"\npeak growth {grown / 1e6:.1f} MB for a prepared picture of {prepared / 1e6:.1f} MB")
    assert grown <= 4 * prepared
