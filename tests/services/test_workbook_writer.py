"""The export's writer process: the file it returns opens as written, a failure in it
reaches the bot as an error (not a short file), and it never outlives the export."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from bot.services.workbook_writer import DAY_FORMAT, TEXT_LIMIT, TIME_FORMAT, WorkbookWriter, frame

SHEETS = [
    ("Registry", ["reference", "received", "rating"], {1: TIME_FORMAT}),
    ("Money", ["x"], {}),
]


async def test_rows_sent_in_batches_come_back_as_one_workbook_with_dates_as_dates() -> None:
    writer = await WorkbookWriter.start(SHEETS)
    for batch in range(3):
        rows = [[f"C-{batch}-{n}", 46351.5 + n, n % 5 or None] for n in range(1000)]
        await writer.send(frame(("append", 0, rows)))
    await writer.send(frame(("append", 1, [["<b>&amp; 💡"]])))
    data = await writer.close()

    book = load_workbook(io.BytesIO(data), read_only=True)
    registry = list(book["Registry"].iter_rows(values_only=True))
    assert registry[0] == ("reference", "received", "rating")
    assert len(registry) == 3001
    assert registry[1][0] == "C-0-0"
    assert registry[1][1].isoformat() == "2026-11-25T12:00:00"
    assert registry[1][2] is None
    assert registry[2][2] == 1
    assert list(book["Money"].iter_rows(values_only=True))[1] == ("<b>&amp; 💡",)


async def test_a_sheet_without_rows_shows_its_header_and_odd_cells_are_mended() -> None:
    """Text longer than a cell holds is cut (not the export refused), a header named twice
    keeps both columns, and a month without orders still has its sheet with its header."""
    sheets = [
        ("Registry", ["reference", "note", "note", "day"], {3: DAY_FORMAT}),
        ("Money", ["reference", "amount"], {}),
        ("Repeats", ["category"], {}),
    ]
    writer = await WorkbookWriter.start(sheets)
    long = "说" * (TEXT_LIMIT + 10)
    await writer.send(frame(("append", 0, [["C-1", long, "", 46351.0], ["C-2", None, "x", None]])))
    await writer.send(frame(("append", 2, [["Lifts"]])))
    data = await writer.close()

    book = load_workbook(io.BytesIO(data), read_only=True)
    registry = list(book["Registry"].iter_rows(values_only=True))
    assert registry[0] == ("reference", "note", "note (2)", "day")
    assert registry[1][1] == "说" * TEXT_LIMIT
    assert registry[1][2] is None
    assert registry[1][3].isoformat() == "2026-11-25T00:00:00"
    assert registry[2] == ("C-2", None, "x", None)
    assert list(book["Money"].iter_rows(values_only=True)) == [("reference", "amount")]
    assert list(book["Repeats"].iter_rows(values_only=True)) == [("category",), ("Lifts",)]


async def test_a_failure_in_the_writer_is_an_error_for_the_bot_not_a_short_file() -> None:
    writer = await WorkbookWriter.start(SHEETS)
    await writer.send(frame(("append", 0, [["C-1", {"not": "a cell"}]])))
    with pytest.raises(RuntimeError, match="a cell holds text or a number"):
        await writer.close()


async def test_an_export_given_up_takes_its_writer_with_it() -> None:
    writer = await WorkbookWriter.start(SHEETS)
    await writer.send(frame(("append", 0, [["C-1", 46351.5, 3]])))
    await writer.discard()
    process = writer._process
    assert process.returncode is not None
    await writer.discard()  # twice is harmless


def test_the_writer_ends_by_itself_when_the_bot_goes_away_mid_export() -> None:
    # The bot killed with -9 closes the pipe: the child must not wait for a "close" forever.
    opened = frame(("open", SHEETS)) + frame(("append", 0, [["C-1", 46351.5, 3]]))
    done = subprocess.run(
        [sys.executable, "-m", "bot.services.workbook_writer"],
        input=opened,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == b""
