"""How the bytes of a table of examples become text: UTF-8 (with Excel's byte-order mark or
without), Excel's "Unicode Text" (UTF-16), Windows-1252 as older spreadsheets save, Mac Roman as
Excel for Mac's "CSV (Macintosh)" does; what is no text is refused."""

from __future__ import annotations

from pathlib import Path

from core.user_error import UserError

_SNIFFED = 64  # bytes looked at to tell UTF-16 without a byte-order mark (F16b of probe 8)
# The letters and signs beyond ASCII that Europe's spreadsheets hold most.
_EUROPEAN = frozenset("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŒ€£°")


def decoded(data: bytes, path: Path) -> tuple[str, list[str]]:
    """The text of a file's `data`, and a note where it was not UTF-8."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode Text"
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise UserError(f"examples file {path} is not valid UTF-16 text (byte {exc.start})") from None
    for order, zeros in (("utf-16-le", data[1:_SNIFFED:2]), ("utf-16-be", data[0:_SNIFFED:2])):
        if len(data) >= 4 and zeros.count(0) >= 0.7 * len(zeros):  # Latin text's every other byte zero, mostly
            try:
                return data.decode(order), [f"{path.name} is read as UTF-16, which it is written in without a mark"]
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8-sig"), []  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError:
        pass
    if any(byte < 0x20 and byte not in b"\t\n\r\x0c\x1a" for byte in data):  # no text (a DOS end mark is)
        raise UserError(f"examples file {path} is not text: save the table as CSV, or open the workbook itself")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # a byte Windows-1252 leaves undefined (each is a letter in Mac Roman)
        text = ""
    # Excel for Mac's "CSV (Macintosh)" ends its lines with CR alone, in Mac Roman: "Zürich" where
    # Windows-1252 reads "ZŸrich" (probe 8). The reading with more of Europe's letters wins.
    if b"\n" not in data or not text:
        mac = data.decode("mac_roman")  # every byte is a character
        if _european_letters(mac) > _european_letters(text) or not text:
            return mac, [f"{path.name} is not UTF-8: read as Mac Roman, the encoding Excel for Mac's CSV saves in"]
    return text, [f"{path.name} is not UTF-8: read as Windows-1252, the encoding older spreadsheets save in"]


def _european_letters(text: str) -> int:
    return sum(1 for ch in text if ch in _EUROPEAN)
