"""Draw the app icons of Kith's web app manifest (static/img/icon-*.png) from the mark in static/img/kith.svg:
two overlapping circles, terracotta and teal, at 85 % opacity. Written with the standard library alone
(zlib and struct make the PNG), so no image library is needed to rebuild them:

    .venv/bin/python -m demo.icons

The "any" icons draw the mark on a transparent square as the SVG does; the maskable one fills the square with
the page background and keeps the mark inside the central 80 % safe zone a launcher's mask never cuts.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "static" / "img"
TERRACOTTA = (0xB5, 0x50, 0x2F)
TEAL = (0x2F, 0x6B, 0x5A)
BACKGROUND = (0xF7, 0xF6, 0xF2)  # --bg in static/css/kith.css
OPACITY = 0.85
SAMPLES = 4  # per axis, for smooth edges


def _over(top: tuple[float, ...], alpha: float, under: tuple[float, ...], under_alpha: float) -> tuple:
    """Source-over compositing of a colour with `alpha` on one with `under_alpha` (straight alpha)."""
    out_alpha = alpha + under_alpha * (1 - alpha)
    if out_alpha == 0:
        return (0.0, 0.0, 0.0), 0.0
    colour = tuple(
        (t * alpha + u * under_alpha * (1 - alpha)) / out_alpha for t, u in zip(top, under, strict=True)
    )
    return colour, out_alpha


def _pixel(x: float, y: float, scale: float, offset: float, background: bool) -> tuple[int, int, int, int]:
    """The colour at (x, y) in icon pixels: the mark's 32-unit box scaled by `scale`, moved by `offset`."""
    ux, uy = (x - offset) / scale, (y - offset) / scale
    colour: tuple[float, ...] = BACKGROUND if background else (0.0, 0.0, 0.0)
    alpha = 1.0 if background else 0.0
    for cx, fill in ((12, TERRACOTTA), (20, TEAL)):
        if (ux - cx) ** 2 + (uy - 16) ** 2 <= 81:
            colour, alpha = _over(fill, OPACITY, colour, alpha)
    return (*(round(c) for c in colour), round(alpha * 255))  # type: ignore[return-value]


def icon_png(size: int, *, maskable: bool = False) -> bytes:
    """A square PNG of the mark, `size` pixels wide."""
    # The mark spans x 3..29 of its 32 units; a maskable icon keeps it within the central 80 %.
    scale = size / 32 * (0.75 if maskable else 1.0)
    offset = (size - 32 * scale) / 2
    rows = []
    for py in range(size):
        row = bytearray(b"\x00")
        for px in range(size):
            total = [0, 0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x, y = px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES
                    for i, v in enumerate(_pixel(x, y, scale, offset, maskable)):
                        total[i] += v
            row.extend(round(v / SAMPLES**2) for v in total)
        rows.append(bytes(row))
    return _png(size, size, b"".join(rows))


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
}


def main() -> None:
    for name, (size, maskable) in ICONS.items():
        (ICON_DIR / name).write_bytes(icon_png(size, maskable=maskable))
        print(f"wrote static/img/{name}")


if __name__ == "__main__":
    main()
