"""The ``fusionlab`` command line: ``fusionlab fetch <dataset>``, ``fusionlab fetch --list``,
``fusionlab preflight [--only 01 02]`` (the course data, before ``make notebooks``),
``fusionlab train --config RUN.json``.

Each subcommand is a function ``add_<name>_parser(subparsers)`` that registers its arguments and
sets ``handler``; :func:`main` dispatches. A new subcommand (e.g. ``train``) adds one such function
to :data:`SUBCOMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence


def _run_fetch(args: argparse.Namespace) -> int:
    from fusionlab.data.errors import FetchError
    from fusionlab.data.fetchers import DATASETS, cached_rows, fetch

    if args.list or args.dataset is None:
        rows = [{"dataset": row["dataset"], "title": DATASETS[row["dataset"]].title,
                 **{k: v for k, v in row.items() if k != "dataset"}} for row in cached_rows(args.dir)]
        print(_text_table(rows))
        if args.dataset is None and not args.list:
            print("\nname a dataset to download it, e.g. `fusionlab fetch mitdb`")
        return 0
    try:
        folder = fetch(args.dataset, records=args.records, root=args.dir)
    except FetchError as err:
        print(f"fusionlab fetch: error: {err}", file=sys.stderr)
        return 2
    print(f"{args.dataset}: verified and cached in {folder}")
    return 0


def _text_table(rows: list[dict]) -> str:
    """Rows as an aligned text table (numbers right-aligned), without pandas: the command stays light."""
    columns = list(rows[0]) if rows else []
    cells = [[str(row[c]) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row[c], (int, float)) for row in rows) for c in columns]

    def line(values: list[str]) -> str:
        return " ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)).rstrip()

    return "\n".join([line(columns), *(line(r) for r in cells)])


def add_fetch_parser(subparsers: argparse._SubParsersAction) -> None:
    from fusionlab.data.fetchers import DATASETS

    parser = subparsers.add_parser(
        "fetch", help="download a dataset into the data cache ($FUSIONLAB_DATA, default data/)",
        description="Download a dataset into the data cache, verify its checksums, or list what is cached. "
                    "The course's datasets (mitdb, dreams, ett) come from $FUSIONLAB_SHARED_DATA, then the mirror "
                    "$FUSIONLAB_MIRROR (PhysioNet layout: <url>/files/mitdb/1.0.0/), then the public source.")
    parser.add_argument("dataset", nargs="?", choices=sorted(DATASETS), help="dataset to download")
    parser.add_argument("--records", nargs="+", metavar="ID",
                        help="only these records (PhysioNet record names, or Sleep-EDF subject numbers)")
    parser.add_argument("--dir", default=None, help="cache root (default: $FUSIONLAB_DATA or <repo>/data)")
    parser.add_argument("--list", action="store_true", help="list the known datasets and what is cached")
    parser.set_defaults(handler=_run_fetch)


def _run_preflight(args: argparse.Namespace) -> int:
    from fusionlab.data.course_data import MissingDataError, datasets_for_lessons, preflight

    names = args.datasets or datasets_for_lessons(args.only or ())
    if not names:
        print("fusionlab preflight: the chosen lessons read no real recordings")
        return 0
    try:
        found = preflight(names, fetch=not args.no_fetch, timeout=args.timeout,
                          log=lambda line: print(f"fusionlab preflight: fetched {line}", flush=True))
    except MissingDataError as err:
        print(f"fusionlab preflight: {err}", file=sys.stderr)
        return 3
    for name, folder in found.items():
        print(f"fusionlab preflight: {name} ok ({folder})")
    return 0


def add_preflight_parser(subparsers: argparse._SubParsersAction) -> None:
    from fusionlab.data.course_data import COURSE_DATASETS

    parser = subparsers.add_parser(
        "preflight", help="check (and fetch) the real recordings the lessons read, before running them",
        description="Check that the datasets the lessons read (MIT-BIH, DREAMS, ETT) are on this machine: in "
                    "$FUSIONLAB_SHARED_DATA or the cache $FUSIONLAB_DATA. A missing one is fetched into the cache "
                    "from the local copy, $FUSIONLAB_MIRROR or the public source, verified by SHA-256. If that "
                    "fails, one message names each missing dataset and how to get it, and the exit status is 3.")
    parser.add_argument("--only", nargs="*", default=(), metavar="NN",
                        help="only the datasets of these lessons (notebook name prefixes, as make notebooks ONLY=)")
    parser.add_argument("--datasets", nargs="+", choices=sorted(COURSE_DATASETS), help="these datasets")
    parser.add_argument("--no-fetch", action="store_true", help="only check, download nothing")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a host (default 20)")
    parser.set_defaults(handler=_run_preflight)


def _run_train(args: argparse.Namespace) -> int:
    from fusionlab.train.distributed import main as train_main

    return train_main(["--config", str(args.config)])


def add_train_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="train one model from a JSON run file (also under torchrun)",
        description="Train one model from a JSON run file. For several GPUs or processes: "
                    "torchrun --standalone --nproc_per_node=N -m fusionlab.train.distributed --config RUN.json")
    parser.add_argument("--config", required=True, help="JSON run file (see fusionlab.train.distributed)")
    parser.set_defaults(handler=_run_train)


SUBCOMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [add_fetch_parser, add_preflight_parser,
                                                                    add_train_parser]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fusionlab", description="fusionlab: multimodal fusion lab tools")
    subparsers = parser.add_subparsers(dest="command", metavar="<command>")
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fusionlab`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 1
    return int(args.handler(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
