"""Build the course as a static HTML site from executed lessons (``make book``), without executing anything.

Usage::

    python book/build_book.py                                   # build/notebooks/standard -> build/book/standard
    python book/build_book.py --notebooks build/test-smoke/notebooks --profile smoke --output build/book/smoke

The site has a landing page (course map, how to run a lesson) and one page per executed lesson, with
its figures inline, its tables, and a "Run this lesson" box. Open ``<output>/html/index.html``.

Executed lessons include figures of real recordings (shown inline by ``fl.viz.savefig``): the site is
for the classroom and is never committed or published (DREAMS' licence allows no derivatives).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent
NOTEBOOK_GLOB = "[0-9][0-9]*_*.ipynb"  # NN_name and NNa_name (00a follows 00)


def lesson_title(notebook: dict, stem: str) -> str:
    """The lesson's ``# title`` (its first markdown line), or its file name."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            first = "".join(cell.get("source", "")).strip().splitlines()
            if first and first[0].startswith("# "):
                return first[0][2:].strip()
            break
    return stem


def run_box(stem: str, profile: str, executed_on: str) -> list[str]:
    """Markdown lines of the "Run this lesson" box inserted after a lesson's title."""
    number = stem.split("_", 1)[0]
    return [
        ":::{admonition} Run this lesson\n",
        ":class: tip\n",
        "\n",
        f"- **In JupyterLab**: from the repository root run `make lab` and open `notebooks/{stem}.ipynb` "
        f"([open it in your local JupyterLab](http://localhost:8888/lab/tree/notebooks/{stem}.ipynb)).\n",
        f"- **Headless (papermill)**: `python -m fusionlab.notebook_runner --profile standard --only {number}` "
        f"(or `make notebooks ONLY={number}`); the executed copy lands in `build/notebooks/standard/`.\n",
        f"- **Other sizes**: `--profile smoke` (seconds), `extended` (more data and seeds), `full` (GPU); "
        f"papermill directly: `papermill notebooks/{stem}.ipynb out.ipynb -p PROFILE standard`.\n",
        "\n",
        f"This page shows the stored outputs of the **{profile}** profile run ({executed_on}).\n",
        ":::\n",
    ]


def course_rows() -> dict[str, dict]:
    """What each lesson teaches, from :mod:`fusionlab.course` (empty if the package cannot be imported)."""
    try:
        from fusionlab.cli.course import LESSONS
    except ImportError:  # the site can still be built from the notebooks alone
        return {}
    return {lesson.notebook: lesson.__dict__ for lesson in LESSONS}


def landing_page(lessons: list[tuple[str, str]], profile: str, has_map: bool) -> str:
    """The MyST source of ``index.md``: course map, how to run, and the table of contents."""
    rows = course_rows()
    table = ["| lesson | teaches | paper | fusion timing | encoder depth |", "|---|---|---|---|---|"]
    for stem, title in lessons:
        info = rows.get(stem, {})
        cells = [f"[{title}]({stem}.ipynb)", info.get("teaches", ""), info.get("paper", ""),
                 info.get("fusion_timing", ""), info.get("encoder_depth", "")]
        table.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    figure = ["```{image} _static/00_fusion_map.png", ":alt: the fusion design space: when modalities are fused "
              "(early to late) and how deep their encoders are", ":width: 100%", "```", ""] if has_map else []
    return "\n".join([
        "# fusionlab: multimodal fusion for biomedical signals",
        "",
        "A notebook-first course that reproduces four papers on multimodal fusion (Hayes & Sun; Kontras et al., "
        "CoRe-Sleep; Qin et al., Step Fusion; *Rethinking Multimodality* for ECG) on real and synthetic "
        "physiological signals. Every lesson below is shown with the outputs of one executed run "
        f"(profile **{profile}**): figures inline, tables as computed.",
        "",
        "## The course map",
        "",
        *figure,
        *table,
        "",
        "## Run a lesson yourself",
        "",
        "- Set up once: `make venv` (Python 3.11), then `make lab` opens JupyterLab on `notebooks/`.",
        "- Each lesson has a `parameters` cell (`PROFILE`, `SEED`, `DEVICE`): `smoke` runs in seconds, "
        "`standard` (the default) in at most ~5 minutes on a 2-core CPU, `extended` with more data and seeds, "
        "`full` on a GPU.",
        "- Headless: `python -m fusionlab.notebook_runner --profile standard --only 05` runs lesson 05 with "
        "papermill; `make notebooks` runs them all; `make book` rebuilds this site from the executed copies.",
        "",
        "```{toctree}",
        ":maxdepth: 1",
        ":caption: Lessons",
        "",
        *[stem for stem, _ in lessons],
        "```",
        "",
    ])


def write_favicon(target: Path) -> None:
    """A 32x32 favicon (two fused colour bands), drawn here so the repository holds no binary for it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (32, 32), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((2, 4, 15, 27), fill=(31, 119, 180))
    draw.rectangle((16, 4, 29, 27), fill=(255, 127, 14))
    draw.rectangle((12, 12, 19, 19), fill=(44, 160, 44))
    image.save(target, format="PNG")


def stage(notebooks_dir: Path, source_dir: Path, profile: str) -> list[tuple[str, str]]:
    """Write the Sphinx sources into ``source_dir``; return ``(stem, title)`` of each lesson, in order."""
    executed = sorted(notebooks_dir.glob(NOTEBOOK_GLOB))
    if not executed:
        raise FileNotFoundError(
            f"no executed lessons ({NOTEBOOK_GLOB}) in {notebooks_dir}: run `make notebooks PROFILE={profile}` "
            "first, or pass --notebooks <folder of executed copies>")
    shutil.rmtree(source_dir, ignore_errors=True)
    (source_dir / "_static").mkdir(parents=True)
    shutil.copyfile(BOOK / "conf.py", source_dir / "conf.py")
    lessons = []
    for path in executed:
        notebook = json.loads(path.read_text())
        if not any(cell.get("outputs") for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"):
            raise ValueError(f"{path} has no outputs: the site is built from executed lessons "
                             f"(build/notebooks/<profile>/), not from notebooks/")
        executed_on = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        box = {"cell_type": "markdown", "id": "run-this-lesson", "metadata": {},
               "source": run_box(path.stem, profile, executed_on)}
        notebook["cells"].insert(1, box)
        (source_dir / path.name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False))
        lessons.append((path.stem, lesson_title(notebook, path.stem)))
    write_favicon(source_dir / "_static" / "favicon.png")
    fusion_map = REPO / "figures" / "00_fusion_map.png"
    if fusion_map.is_file():
        shutil.copyfile(fusion_map, source_dir / "_static" / "00_fusion_map.png")
    (source_dir / "index.md").write_text(landing_page(lessons, profile, fusion_map.is_file()))
    return lessons


def build(notebooks_dir: Path, output: Path, profile: str) -> Path:
    """Stage and build the site; return the folder of ``index.html``."""
    source_dir, html_dir = output / "src", output / "html"
    lessons = stage(notebooks_dir, source_dir, profile)
    shutil.rmtree(html_dir, ignore_errors=True)
    tic = time.perf_counter()
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-d", str(output / "doctrees"),
               str(source_dir), str(html_dir)]
    completed = subprocess.run(command, cwd=source_dir, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"sphinx-build failed ({' '.join(command)}):\n{completed.stdout}\n{completed.stderr}")
    if completed.stderr.strip():
        print(completed.stderr.strip(), file=sys.stderr)
    print(f"built {len(lessons)} lesson pages + landing page in {time.perf_counter() - tic:.1f} s: "
          f"{html_dir / 'index.html'}")
    return html_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=None, help="profile the lessons were executed in (for the pages)")
    parser.add_argument("--notebooks", type=Path, default=None,
                        help="folder of executed lessons (default: build/notebooks/<profile>)")
    parser.add_argument("--output", type=Path, default=None, help="site folder (default: build/book/<profile>)")
    args = parser.parse_args(argv)
    profile = args.profile or (args.notebooks.name if args.notebooks else "standard")
    notebooks_dir = args.notebooks or REPO / "build" / "notebooks" / profile
    output = args.output or REPO / "build" / "book" / profile
    try:
        build(notebooks_dir, output, profile)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"make book: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
