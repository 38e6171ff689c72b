"""A Chinese font for the PDF: Noto Sans CJK SC, cut to the characters a report uses and embedded.

reportlab embeds TrueType outlines only, and Debian's fonts-noto-cjk ships CFF outlines in a `.ttc`.
So the SC face is taken from the collection, subset to the report's characters (a few hundred glyphs
instead of 65 000) and its cubic outlines converted to quadratic ones (fontTools' otf2ttf recipe):
a small TrueType font that reportlab subsets again and embeds, so every reader shows the same glyphs.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

NOTO_FOLDER = Path("/usr/share/fonts/opentype/noto")
FACE = "Noto Sans CJK SC"


class FontError(RuntimeError):
    """No usable CJK font: the PDF cannot show Chinese."""


def cjk_font(characters: Iterable[str], *, folder: Path = NOTO_FOLDER) -> bytes:
    """A TrueType font (bytes) holding the glyphs of `characters` from Noto Sans CJK SC."""
    path = folder / "NotoSansCJK-Regular.ttc"
    if not path.exists():
        raise FontError(
            f"缺少中文字体 / no CJK font at {path}: install Debian's fonts-noto-cjk (scripts/install-test-deps.sh)"
        )
    options = subset.Options()
    options.desubroutinize = True
    options.hinting = False
    options.layout_features = []
    options.notdef_outline = True
    out = io.BytesIO()
    with TTCollection(str(path), lazy=True) as collection:  # the file stays open while glyphs are read
        font = _face(collection, path)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(set("".join(characters)) | {" "})))
        subsetter.subset(font)
        _to_quadratic(font)
        font.save(out)
    return out.getvalue()


def _face(collection: TTCollection, path: Path) -> TTFont:
    for font in collection.fonts:
        if font["name"].getDebugName(1) == FACE or (font["name"].getDebugName(4) or "").startswith(FACE):
            return font
    raise FontError(f"{path} 中无 {FACE} / {path} holds no {FACE}")


def _to_quadratic(font: TTFont) -> None:
    """CFF (cubic) outlines to `glyf` (quadratic), with the tables TrueType needs beside them."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    quadratic = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        quadratic[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = quadratic
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in quadratic.items():
        width = hmtx.metrics[name][0]
        hmtx.metrics[name] = (width, getattr(glyph, "xMin", 0))
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones",):
        setattr(maxp, field, 1)
    for field in (
        "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
        "maxStackElements", "maxSizeOfInstructions", "maxComponentElements",
    ):  # fmt: skip
        setattr(maxp, field, 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"
