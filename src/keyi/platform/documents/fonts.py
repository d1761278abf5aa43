"""The font business documents are set in.

Documents print Chinese (customer names, product names, 大写 amounts) next to Latin text and
figures, and must do so on a server with no system fonts at all (a slim container): the font
therefore comes from a Python package installed with Keyi, Noto Sans SC (SIL Open Font License
1.1) from ``pylopdf-fonts-zh-cn``. It covers CJK, Latin and the currency signs. The PDF embeds
only the glyphs a document uses (fpdf2 subsets it), so a page stays a few tens of kilobytes
although the font file is 8 MB.
"""

from __future__ import annotations

from pathlib import Path

import pylopdf_fonts_zh_cn

__all__ = ["FONT_FAMILY", "font_path"]

FONT_FAMILY = "NotoSansSC"


def font_path() -> Path:
    """The regular face's file (OpenType/CFF), as installed with the package."""
    return pylopdf_fonts_zh_cn.sans_path()
