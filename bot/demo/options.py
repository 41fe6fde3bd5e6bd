"""The demo's command-line options, apart from the demo itself: `python -m bot` builds its
parser on every start and should not load the demo (or its stand-in) to do so."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_DATA = Path("data") / "demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8080, help="the page's port (8080)")
    parser.add_argument("--listen", default="127.0.0.1", help="the page's address (127.0.0.1)")
    parser.add_argument("--reset", action="store_true", help="start over with an empty database")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"where its database lives ({DEFAULT_DATA})",
    )
    parser.add_argument(
        "--language", choices=("en", "zh_Hans"), default="en", help="the people's language (en)"
    )
