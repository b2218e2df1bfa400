"""Small real workbooks for tests, written as the formats define them (no writer library is a
dependency): an .xlsx of inline-string and number cells, and an .ods of the same."""

from __future__ import annotations

import datetime
import io
import zipfile
from xml.sax.saxutils import escape

Sheet = list[list[object]]  # rows of cells: str, int, float, a timedelta (in .xlsx) or None (empty)

_XLSX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
# Style 1 shows a number of days as hours, [h]:mm: how a sheet keeps a duration.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="[h]:mm"/></numFmts>'
    '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>'
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_HIDDEN = ' state="hidden"'
_MERGED = '<mergeCell ref="{}"/>'


def xlsx(sheets: dict[str, Sheet], hidden: frozenset[str] = frozenset(), merged: tuple[str, ...] = ()) -> bytes:
    """`hidden`: the names of the sheets hidden; `merged`: the ranges merged on every sheet ("A2:A4")."""
    names = list(sheets)
    parts = {
        "[Content_Types].xml": _XLSX_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=i + 1) for i in range(len(names)))
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
            + "".join(
                f'<sheet name="{escape(name)}" sheetId="{i + 1}"{_HIDDEN if name in hidden else ""} r:id="rId{i + 1}"/>'
                for i, name in enumerate(names)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i + 1}" Type="{_RELS}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                for i in range(len(names))
            )
            + f'<Relationship Id="rId{len(names) + 1}" Type="{_RELS}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _STYLES.format(main=_MAIN),
    }
    for i, rows in enumerate(sheets.values()):
        parts[f"xl/worksheets/sheet{i + 1}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>'
            + "".join(
                f'<row r="{r + 1}">{"".join(_xlsx_cell(r, c, v) for c, v in enumerate(row))}</row>'
                for r, row in enumerate(rows)
            )
            + "</sheetData>"
            + (
                f'<mergeCells count="{len(merged)}">{"".join(map(_MERGED.format, merged))}</mergeCells>'
                if merged
                else ""
            )
            + "</worksheet>"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _xlsx_cell(r: int, c: int, value: object) -> str:
    where = f"{chr(ord('A') + c)}{r + 1}"
    if value is None:
        return ""
    if isinstance(value, str):
        return f'<c r="{where}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    if isinstance(value, datetime.timedelta):
        return f'<c r="{where}" s="1"><v>{value / datetime.timedelta(days=1)!r}</v></c>'
    return f'<c r="{where}"><v>{value!r}</v></c>'


def ods(rows: Sheet) -> bytes:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    cells = "".join(
        "<table:table-row>" + "".join(_ods_cell(value) for value in row) + "</table:table-row>" for row in rows
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{office}"'
        f' xmlns:table="{table}" xmlns:text="{text}" office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="Sheet1">{cells}</table:table></office:spreadsheet></office:body></office:document-content>'
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, str):
        return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="float" office:value="{value!r}"><text:p>{value}</text:p></table:table-cell>'
