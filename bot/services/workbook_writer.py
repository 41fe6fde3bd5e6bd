"""The export's spreadsheet, written by a child process while the bot reads the next rows.

Writing the cells is most of a large export's time and is pure Python: on a worker thread
it shares one core with reading the rows (the GIL), in a child process it has a core of its
own, so a month of a large estate takes about as long as writing it alone. The bot sends
batches of ready cells (text, numbers, None) down the child's stdin, each a length and a
marshal frame (only our own process writes them), and reads the finished file from its
stdout. The child imports nothing of the bot but this module, so it starts in a blink; it
ends when its stdin closes, so a bot killed mid-export leaves nothing behind.

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
from typing import IO, Any

# A sheet: its name, its header row, and the columns shown as dates (column -> number format).
Sheet = tuple[str, list[object], dict[int, str]]

TIME_FORMAT, DAY_FORMAT = "yyyy-mm-dd h:mm:ss", "yyyy-mm-dd"
DATE_WIDTHS = {TIME_FORMAT: 19, DAY_FORMAT: 11}  # wide enough not to show "####"
WORKBOOK_OPTIONS = {
    "constant_memory": True,  # one row in memory: a month of a large estate is 28k rows
    # A resident's text is text, even when it starts with "=" or looks like a link.
    "strings_to_formulas": False,
    "strings_to_urls": False,
}
_LENGTH = struct.Struct("!I")
_ERRORS_KEPT = 2_000  # characters of the child's error output quoted in the bot's error


class SheetBook:
    """The workbook as it is written: each sheet row by row, as the rows come (XlsxWriter's
    constant memory mode keeps one row in memory); times and days are numbers that their
    column's date format shows as dates."""

    def __init__(self, sheets: list[Sheet]) -> None:
        import xlsxwriter

        self._buffer = io.BytesIO()
        self._book = xlsxwriter.Workbook(self._buffer, WORKBOOK_OPTIONS)
        formats = {
            shown: (self._book.add_format({"num_format": shown}), width)
            for shown, width in DATE_WIDTHS.items()
        }
        self._sheets = []
        self._next: list[int] = []
        for name, header, dated in sheets:
            sheet = self._book.add_worksheet(name)
            for column, shown in dated.items():
                shown_as, width = formats[shown]
                sheet.set_column(column, column, width, shown_as)
            sheet.write_row(0, 0, header)
            self._sheets.append(sheet)
            self._next.append(1)

    def append(self, sheet: int, rows: list[list[object]]) -> None:
        """Rows at the end of a sheet: text and numbers; None (or "") leaves a cell empty.
        Each cell goes straight to the library's call for its type, which costs less than
        write_row's trying every type in turn for every cell, the empty ones too."""
        written, number = self._sheets[sheet], self._next[sheet]
        # The calls write_string and write_number make after reading "A1"-style arguments
        # (which these never are): a month is close to a million cells.
        text, figure = written._write_string, written._write_number
        for row in rows:
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    text(number, column, value)
                elif isinstance(value, int | float):
                    figure(number, column, value)
                else:
                    raise TypeError(f"a cell holds text or a number, not {value!r}")
            number += 1
        self._next[sheet] = number

    def close(self) -> bytes:
        self._book.close()
        return self._buffer.getvalue()


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
    source, book = sys.stdin.buffer, None
    while True:
        head = source.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            return 1  # the bot went away mid-export: nothing to finish
        (size,) = _LENGTH.unpack(head)
        message = marshal.loads(source.read(size))
        if message[0] == "open":
            book = SheetBook(message[1])
        elif message[0] == "append" and book is not None:
            book.append(message[1], message[2])
        elif message[0] == "close" and book is not None:
            sys.stdout.buffer.write(book.close())
            sys.stdout.buffer.flush()
            return 0
        else:
            raise SystemExit(f"unexpected message {message[0]!r}")


if __name__ == "__main__":
    raise SystemExit(main())
