"""The tolerances of the notebook regression tests: figures (RMS) and result numbers (absolute + relative).

Smoke figures and numbers come from seeded CPU runs with one thread (``make test`` sets
``OMP_NUM_THREADS=1``), which reproduce bit for bit run to run on one machine (checked by executing
every smoke notebook twice: all figures RMS 0, all numbers equal). The tolerances below absorb what
changes between machines or library patch releases (font hinting, antialiasing, float reductions),
and are far below what a changed plot default or model default moves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    """A number passes when ``|found - expected| <= abs + rel * |expected|``; ``ignore`` skips the value."""

    abs: float = 1e-6
    rel: float = 1e-4
    ignore: bool = False
    why: str = ""

    def allowed(self, expected: float) -> float:
        return self.abs + self.rel * abs(expected)

    def __str__(self) -> str:
        return "ignored" if self.ignore else f"abs {self.abs:g} + rel {self.rel:g}"


# RMS (0-255 grey levels) allowed between a smoke figure and its baseline. A figure whose pixels are not
# reproducible run to run gets a larger, documented entry here -- never a silent skip.
FIGURE_TOLERANCE_DEFAULT = 2.0
FIGURE_TOLERANCE: dict[str, float] = {
    # 04's bars are measured throughput and memory: their heights change with the machine's load.
    "04_throughput_memory": 40.0,
}

# (lesson pattern, key-path pattern, tolerance), first match wins; key paths join keys with "/"
# (e.g. "table3_and/basic_early/accuracy_mean"). Unlisted numbers: Tolerance() (abs 1e-6 + rel 1e-4).
RESULT_TOLERANCE: list[tuple[str, str, Tolerance]] = [
    # float round-off of a comparison with a reference implementation: only its size matters
    ("00_setup_and_map", "device_vs_cpu_max_difference", Tolerance(abs=1e-4, rel=0, why="round-off")),
    ("03_fusion_zoo", "manual_gap", Tolerance(abs=1e-5, rel=0, why="round-off")),
    ("04_training_on_gpu", "loop_gap", Tolerance(abs=1e-4, rel=0, why="round-off")),
    ("04_training_on_gpu", "resume_gap", Tolerance(abs=1e-6, rel=0, why="round-off")),
    ("01_data_loading", "dreams_edf_vs_text_max_uV", Tolerance(abs=1e-2, rel=0, why="EDF quantisation")),
    # timings and throughput are measurements of the machine, not of the code
    ("*", "*seconds*", Tolerance(ignore=True, why="timing")),
    ("*", "*samples_per_s*", Tolerance(ignore=True, why="timing")),
    ("*", "*_ms", Tolerance(ignore=True, why="timing")),
    ("*", "*/*_ms", Tolerance(ignore=True, why="timing")),
]
