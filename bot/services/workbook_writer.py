"""The export's spreadsheet, written by a child process while the bot reads the next rows.

The cells are written by rustpy-xlsxwriter (rust_xlsxwriter, the Rust port of XlsxWriter,
streaming rows in its constant-memory mode): a month of a large estate, close to a million
cells, in about a second, where XlsxWriter took seven (bench/registry_reports.py
--writers-only compares the libraries on the export's shape). It runs in a child process
all the same: the bot keeps its core for reading the rows and for people, and a failure or
a crash in compiled code ends the child, not the bot. The bot sends batches of ready cells
(text, numbers, None) down the child's stdin, each a length and a marshal frame (only our
own process writes them), and reads the finished file from its stdout. The child imports
nothing of the bot but this module, so it starts in a blink; it ends when its stdin
closes, so a bot killed mid-export leaves nothing behind.

    python -m bot.services.workbook_writer   (started by WorkbookWriter, never by hand)
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import marshal
import os
import struct
import sys
import tempfile
from collections.abc import Iterator
from typing import IO, Any

# A sheet: its name, its header row, and the columns shown as dates (column -> number format).
Sheet = tuple[str, list[object], dict[int, str]]

TIME_FORMAT, DAY_FORMAT = "yyyy-mm-dd h:mm:ss", "yyyy-mm-dd"
DATE_WIDTHS = {TIME_FORMAT: 19, DAY_FORMAT: 11}  # wide enough not to show "####"
TEXT_LIMIT = 32_767  # characters a spreadsheet cell holds; longer text is cut there
_LENGTH = struct.Struct("!I")
_ERRORS_KEPT = 2_000  # characters of the child's error output quoted in the bot's error


class _Frames:
    """The messages on the child's stdin, with one looked at and left for the next sheet."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._ahead: tuple[Any, ...] | None = None

    def peek(self) -> tuple[Any, ...]:
        if self._ahead is None:
            head = self._source.read(_LENGTH.size)
            if len(head) < _LENGTH.size:
                raise _BotGone
            (size,) = _LENGTH.unpack(head)
            self._ahead = marshal.loads(self._source.read(size))
        return self._ahead

    def take(self) -> tuple[Any, ...]:
        message = self.peek()
        self._ahead = None
        return message


class _BotGone(Exception):
    """The bot went away mid-export (its end of the pipe closed): nothing to finish."""


def _columns(header: list[object]) -> list[str]:
    """The header as the library takes it (each row a mapping by column name), so every
    name must be different: a repeated one is told apart by a number."""
    seen: dict[str, int] = {}
    names = []
    for cell in header:
        name = str(cell)
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


# Cells passed to the library as they are (text too, if it fits in a cell).
_PLAIN = frozenset({float, int, type(None)})


def _cell(value: object) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value[:TEXT_LIMIT]
    if isinstance(value, int | float):
        return value
    raise TypeError(f"a cell holds text or a number, not {value!r}")


def _records(frames: _Frames, sheet: int, names: list[str]) -> Iterator[dict[str, object]]:
    """A sheet's rows as they come, until the next sheet's or the end: text and numbers,
    None for an empty cell. A sheet with no rows still shows its header."""
    shown = False
    while (message := frames.peek())[0] == "append" and message[1] == sheet:
        for row in frames.take()[2]:
            for value in row:
                kind = value.__class__
                if kind not in _PLAIN and (kind is not str or len(value) > TEXT_LIMIT):
                    row = [_cell(v) for v in row]  # the rare row with a cell to mend
                    break
            shown = True
            yield dict(zip(names, row, strict=True))
    if not shown:
        yield dict.fromkeys(names)  # the header alone


def write_book(sheets: list[Sheet], frames: _Frames) -> bytes:
    """The workbook written as its rows come, one sheet after the other (the library's
    constant-memory mode holds one row at a time): times and days are numbers that their
    column's date format shows as dates, the header's widths wide enough for them."""
    import rustpy_xlsxwriter as xlsx

    formats = {shown: xlsx.Format().set_num_format(shown) for shown in DATE_WIDTHS}
    entries: list[tuple[str, Any]] = []
    shown_as: dict[str, Any] = {}  # by sheet: each dated column's format and width
    widths: dict[str, Any] = {}
    for number, (name, header, dated) in enumerate(sheets):
        names = _columns(header)
        entries.append((name, _records(frames, number, names)))
        shown_as[name] = {names[c]: formats[f] for c, f in dated.items()}
        widths[name] = {names[c]: DATE_WIDTHS[f] for c, f in dated.items()}
    buffer = io.BytesIO()
    xlsx.write_worksheets(entries, buffer, column_formats=shown_as, column_widths=widths)
    if frames.take() != ("close",):
        raise SystemExit("rows for a sheet after the next one had begun")
    return buffer.getvalue()


def frame(message: tuple[Any, ...]) -> bytes:
    """One message to the child: ("open", sheets), ("append", sheet, rows) or ("close",)."""
    body = marshal.dumps(message)
    return _LENGTH.pack(len(body)) + body


class WorkbookWriter:
    """The parent's end: start the child, send it frames, take the file."""

    def __init__(self, process: asyncio.subprocess.Process, errors: IO[bytes]) -> None:
        self._process = process
        # Its error output goes to a file, not a pipe: a pipe nobody reads until the end
        # would stop a child that wrote more than the pipe holds.
        self._errors = errors

    @classmethod
    async def start(cls, sheets: list[Sheet]) -> WorkbookWriter:
        # The child imports this module as the bot does, from the same places.
        path = os.pathsep.join(entry for entry in sys.path if entry)
        errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the writer
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
            env={**os.environ, "PYTHONPATH": path},
        )
        writer = cls(process, errors)
        await writer.send(frame(("open", sheets)))
        return writer

    async def send(self, framed: bytes) -> None:
        """Waits while the child is behind: the pipe holds a few batches, not the month."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(framed)
            await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            await self._failed()

    async def close(self) -> bytes:
        await self.send(frame(("close",)))
        data, _ = await self._process.communicate()
        if self._process.returncode != 0:
            raise RuntimeError(f"the spreadsheet writer failed: {self._said()}")
        self._errors.close()
        return data

    async def discard(self) -> None:
        """An export that will not be sent: the child goes with it."""
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()
        self._errors.close()

    async def _failed(self) -> None:
        await self._process.communicate()
        raise RuntimeError(f"the spreadsheet writer stopped: {self._said()}")

    def _said(self) -> str:
        """The end of what the child wrote to its error output (a traceback, usually)."""
        self._errors.seek(0)
        said = self._errors.read().decode("utf-8", "replace")
        self._errors.close()
        return said[-_ERRORS_KEPT:].strip() or "no message"


def main() -> int:
    frames = _Frames(sys.stdin.buffer)
    try:
        message = frames.take()
        if message[0] != "open":
            raise SystemExit(f"unexpected message {message[0]!r}")
        data = write_book(message[1], frames)
    except _BotGone:
        return 1  # the bot went away mid-export: nothing to finish
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
