"""A record as a PDF (A4) with reportlab's built-in Helvetica.

Helvetica covers Western European text (WinAnsi: å, ä, ö, é, ü, –, € …). A character outside it
(e.g. Arabic script or an emoji) cannot be drawn; the PDF then says so at the top and points to the
HTML or JSON export, which keep every character as written."""
from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from router.records.html import facts, title, when

PDF_ENCODING = "cp1252"  # what the standard Type 1 fonts can draw (WinAnsiEncoding)

_styles = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_styles["Normal"], fontName="Helvetica", fontSize=10, leading=13)
_META = ParagraphStyle("meta", parent=_BODY, fontSize=8.5, textColor=colors.HexColor("#404040"))
_H1 = ParagraphStyle("h1", parent=_styles["Heading1"], fontName="Helvetica-Bold", fontSize=16)
_H2 = ParagraphStyle("h2", parent=_styles["Heading2"], fontName="Helvetica-Bold", fontSize=12, spaceBefore=10)
_NOTE_LABEL = ParagraphStyle("note", parent=_BODY, fontName="Helvetica-Bold", textColor=colors.HexColor("#8a4b00"))
_WARNING = ParagraphStyle("warning", parent=_BODY, fontName="Helvetica-Bold")


def _drawable(text: str) -> bool:
    try:
        text.encode(PDF_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """Text exactly as written: markup characters escaped, line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _all_texts(record: dict[str, Any]) -> list[str]:
    texts = [message["text"] for message in record["transcript"]] + [note["text"] for note in record["notes"]]
    texts += [hold["reason"] for hold in record["holds"]]
    if record["left_message"]:
        texts += [record["left_message"]["text"], record["left_message"]["contact"] or ""]
        if record["left_message"]["answer"]:
            texts += [record["left_message"]["answer"]["text"], record["left_message"]["answer"]["email"] or ""]
    return texts


def render_pdf(record: dict[str, Any]) -> bytes:
    heading = title(record)
    story: list[Any] = [_paragraph(record["organisation"], _META), _paragraph(heading, _H1)]
    if not all(_drawable(text) for text in _all_texts(record)):
        story.append(_paragraph(
            "Obs! Texten innehåller tecken som inte kan visas i den här PDF-filen (de syns som rutor). "
            "Hela texten, så som den skrevs, finns i HTML- och JSON-exporten av ärendet.",
            _WARNING,
        ))
    table = Table(
        [[_paragraph(label, _BODY), _paragraph(value, _BODY)] for label, value in facts(record)],
        colWidths=[45 * mm, None],
    )
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#bfbfbf")),
    ]))
    story += [_paragraph("Uppgifter", _H2), table]
    for hold in record["holds"]:
        if hold["released_at"] is None:
            story.append(_paragraph(f"Spärrad mot gallring sedan {when(hold['placed_at'])}: {hold['reason']}", _WARNING))
    if record["left_message"]:
        contact = record["left_message"]["contact"] or "ingen angiven"
        story += [
            _paragraph("Lämnat meddelande", _H2),
            _paragraph(record["left_message"]["text"], _BODY),
            _paragraph(f"Kontaktuppgift: {contact}", _META),
        ]
        answer = record["left_message"]["answer"]
        if answer:
            to = f" till {answer['email']}" if answer["email"] else ""
            by = f" av {answer['agent']}" if answer["agent"] else ""
            story += [
                _paragraph(f"Svar: {answer['channel_text']}{to}{by} · {when(answer['at'])}", _META),
                _paragraph(answer["text"], _BODY),
            ]
    story.append(_paragraph("Konversation", _H2))
    if not record["transcript"]:
        story.append(_paragraph("Konversationen innehåller inga meddelanden.", _BODY))
    for message in record["transcript"]:
        who = message["from_text"] + (f" ({message['agent']})" if message["agent"] else "")
        story.append(KeepTogether([
            _paragraph(f"{who} · {when(message['at'], seconds=True)}", _META),
            _paragraph(message["text"], _BODY),
            Spacer(1, 4),
        ]))
    if record["notes"]:
        story.append(_paragraph("Interna anteckningar", _H2))
        for note in record["notes"]:
            story.append(KeepTogether([
                _paragraph(note["label"].upper(), _NOTE_LABEL),
                _paragraph(f"{note['agent']} · {when(note['at'])}", _META),
                _paragraph(note["text"], _BODY),
                Spacer(1, 4),
            ]))
    by = f" av {record['exported_by']}" if record["exported_by"] else ""
    story += [
        Spacer(1, 10),
        _paragraph(
            f"Utskriven {when(record['exported_at'])}{by}. Alla tider är svensk tid ({record['timezone']}). "
            "Texterna återges så som de skrevs.",
            _META,
        ),
    ]

    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=heading, author=record["organisation"], subject=record["kind_text"], lang="sv",
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
    )
    document.build(story, onLaterPages=_page_number, onFirstPage=_page_number)
    return buffer.getvalue()


def _page_number(canvas: Any, document: Any) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{document.title} – sida {document.page}")
    canvas.restoreState()
