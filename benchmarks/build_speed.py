"""Build speed and memory for chapter 19, beside the floor measured in the same run.

Prints wall time, peak RSS (the narrate process, and its largest worker) and how many turns
were rendered anew for: a cold build, a rebuild with nothing changed, a rebuild after editing
one turn's text, and a rebuild after changing Lenin's rate. The floor: espeak-ng synthesizing
the whole chapter text in one call (the library in synchronous mode) plus one encode of that
audio to the same MP3 profile.

    python benchmarks/build_speed.py [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

MEASURE = """
import json, resource, sys, time
import narrate.build
from narrate.__main__ import main
results = []
build_chapter = narrate.build.build_chapter
def recording(*args, **kwargs):  # the CLI imports build_chapter when it runs: it gets this one
    results.append(build_chapter(*args, **kwargs))
    return results[-1]
narrate.build.build_chapter = recording
sys.argv = ["narrate", "build", "--chapter", "19", "--quiet", *sys.argv[1:]]
start = time.perf_counter()
try:
    main()
except SystemExit as exc:
    if exc.code:
        raise
wall = time.perf_counter() - start
print(json.dumps({
    "wall": wall,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "rendered": results[0].rendered,
    "turns": results[0].turns,
}), file=sys.stderr)
"""


def run_build(project: Path, jobs: int | None) -> dict:
    args = [sys.executable, "-c", MEASURE] + (["--jobs", str(jobs)] if jobs else [])
    done = subprocess.run(args, cwd=project, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"build failed: {done.stderr}")
    return json.loads(done.stderr.strip().splitlines()[-1])


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of old in a file; stop if there is none, or the rebuild would measure nothing."""
    text = path.read_text(encoding="utf-8")
    if text.count(old) != 1:
        sys.exit(f"{path.name} holds {text.count(old)} copies of {old!r}, not one; update the benchmark's edit")
    path.write_text(text.replace(old, new), encoding="utf-8")


def floor(project: Path) -> dict:
    """espeak-ng speaks the whole chapter in one synchronous call; LAME encodes it once."""
    code = r"""
import ctypes, json, os, resource, sys, time
import espeakng_loader, lameenc
from narrate.text import load_chapter, speakable_text
chapter = load_chapter(__import__("pathlib").Path("texts/chapter-19.txt"))
text = " ".join([chapter.heading] + [speakable_text(p.text) for p in chapter.paragraphs]).encode()
os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
lib = ctypes.CDLL(espeakng_loader.get_library_path())
chunks = []
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
def collect(wav, n, events):
    if n > 0:
        chunks.append(ctypes.string_at(wav, n * 2))
    return 0
callback = CALLBACK(collect)
start = time.perf_counter()
rate = lib.espeak_Initialize(2, 0, None, 0)  # AUDIO_OUTPUT_SYNCHRONOUS
lib.espeak_SetSynthCallback(callback)
lib.espeak_SetVoiceByName(b"en-us+m3")
lib.espeak_SetParameter(1, 165, 0)
lib.espeak_Synth(text, len(text) + 1, 0, 0, 0, 0x1000 | 1, None, None)
pcm = b"".join(chunks)
synth = time.perf_counter() - start
encoder = lameenc.Encoder()
encoder.set_bit_rate(192); encoder.set_in_sample_rate(rate); encoder.set_out_sample_rate(44100)
encoder.set_channels(1); encoder.set_quality(5)
mp3 = encoder.encode(pcm) + encoder.flush()
total = time.perf_counter() - start
print(json.dumps({"synth": synth, "wall": total, "audio_s": len(pcm) / 2 / rate,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="passed to narrate build (default: one per core)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="narrate-bench-") as tmp:
        project = Path(tmp)
        for name in ("texts", "scripts"):
            shutil.copytree(REPO / name, project / name)
        for name in ("voices.yaml", "book.yaml", "settings.yaml"):
            shutil.copy(REPO / name, project / name)

        base = floor(project)
        rows: list[tuple[str, float, float, dict | None]] = [
            ("floor: espeak-ng whole chapter + one encode", base["wall"], base["rss_mb"], None)
        ]
        cold = run_build(project, args.jobs)
        rows.append(("cold build", cold["wall"], cold["rss_mb"], cold))
        same = run_build(project, args.jobs)
        rows.append(("rebuild, nothing changed", same["wall"], same["rss_mb"], same))
        edit(project / "scripts" / "chapter-19.yaml", "Stay a little longer.", "Stay a little longer, please.")
        edited = run_build(project, args.jobs)
        rows.append(("rebuild after a one-turn edit", edited["wall"], edited["rss_mb"], edited))
        edit(project / "voices.yaml", "rate: 140", "rate: 150")
        recast = run_build(project, args.jobs)
        rows.append(("rebuild after Lenin's rate changed", recast["wall"], recast["rss_mb"], recast))

    print(
        f"chapter 19: {base['audio_s'] / 60:.1f} min of speech (floor's espeak alone: {base['synth']:.2f} s); "
        f"{os.cpu_count()} cores; jobs={args.jobs or 'default'}"
    )
    print(f"{'':<45} {'wall s':>8} {'x floor':>8} {'RSS MB':>8} {'worker MB':>10} {'rendered':>9}")
    for name, wall, rss, build in rows:
        worker = build["worker_rss_mb"] if build else 0
        rendered = f"{build['rendered']}/{build['turns']}" if build else ""
        print(f"{name:<45} {wall:8.2f} {wall / base['wall']:8.2f} {rss:8.0f} {worker:10.0f} {rendered:>9}")
    print(
        f"targets: cold <= 1.0x floor; unchanged < 1 s; one-turn edit < 1.5 s; "
        f"voice change < half the cold build ({cold['wall'] / 2:.2f} s)"
    )


if __name__ == "__main__":
    main()
