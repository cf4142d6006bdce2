"""Builds assets/fonts/NotoSansSC-sitetwin.otf: Noto Sans CJK SC (SIL OFL 1.1, Debian package
fonts-noto-cjk) cut down to the characters sitetwin can show: ASCII and Latin-1, general and CJK
punctuation, full-width forms, units (µ ² ³ ° ·), and all 6,763 GB 2312 hanzi, so that Chinese
site, object and sensor names from any scene file render. Deterministic for a given input font.

Usage: python3 tools/font/subset.py [path/to/NotoSansCJK-Regular.ttc]
Needs: pip install fonttools; apt-get install fonts-noto-cjk
"""
import sys
from fontTools import subset
from fontTools.ttLib import TTCollection

src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
out = "assets/fonts/NotoSansSC-sitetwin.otf"

chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180))
chars |= set(range(0x2000, 0x206F)) | set(range(0x2100, 0x2190)) | set(range(0x2190, 0x2200))
chars |= set(range(0x2460, 0x24FF)) | set(range(0x25A0, 0x2600)) | set(range(0x3000, 0x3040))
chars |= set(range(0xFF00, 0xFFF0)) | {0x2103, 0x2116, 0x33A1, 0x33A5}
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(ord(bytes([hi, lo]).decode("gb2312")))
        except UnicodeDecodeError:
            pass

collection = TTCollection(src)
font = next(f for f in collection.fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
options = subset.Options()
options.layout_features = ["*"]
options.name_IDs = ["*"]
options.notdef_outline = True
options.recalc_timestamp = False
sub = subset.Subsetter(options)
sub.populate(unicodes=sorted(chars))
sub.subset(font)
font.save(out)
print(f"wrote {out} with {len(chars)} code points")
