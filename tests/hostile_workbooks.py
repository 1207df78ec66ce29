"""Small workbooks that unpack into huge ones, made at test time (nothing large is committed)."""
import io
import zipfile

_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                  'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                  'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                  '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                  'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
                  'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.'
                  'xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                  '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="MSEL" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                  'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
                  'Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                  'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main"><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"
_SST_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             '2006/main">')


def workbook(sheet_rows: str, shared: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET_HEAD + sheet_rows + _SHEET_TAIL)
        archive.writestr("xl/sharedStrings.xml", _SST_HEAD + shared + "</sst>")
    return buffer.getvalue()


def one_huge_row(megabytes: int = 40) -> bytes:
    """One row of millions of cells (the finding: 487 KB that unpacked to a 190 MB row)."""
    cell = '<c t="inlineStr"><is><t>x</t></is></c>'
    count = megabytes * 1024 * 1024 // len(cell)
    return workbook('<row r="1">' + cell * count + "</row>")


def huge_shared_strings(megabytes: int = 20) -> bytes:
    """A shared-strings part of tens of megabytes behind a one-cell sheet."""
    item = "<si><t>" + "y" * 1000 + "</t></si>"
    return workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', item * (megabytes * 1024))


def many_columns(columns: int = 500) -> bytes:
    """A small row, but wider than any MSEL."""
    cells = "".join(f'<c t="inlineStr"><is><t>h{n}</t></is></c>' for n in range(columns))
    return workbook(f'<row r="1">{cells}</row>')


def many_parts(parts: int = 1500) -> bytes:
    buffer = io.BytesIO(workbook('<row r="1"><c t="inlineStr"><is><t>Time</t></is></c></row>'))
    with zipfile.ZipFile(buffer, "a") as archive:
        for n in range(parts):
            archive.writestr(f"xl/media/empty{n}.xml", "")
    return buffer.getvalue()


CORPUS = {"one huge row": one_huge_row, "huge shared strings": huge_shared_strings, "many columns": many_columns,
          "many parts": many_parts}
