"""Draw the tablet app's icons (static/icons/): a yellow radiation trefoil-like mark on navy, as PNG
at the sizes an installable web app needs. Run it only to change them; the PNGs are committed."""
import math
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "static" / "icons"
NAVY, YELLOW = (11, 45, 92), (253, 224, 71)


def icon(size: int, maskable: bool = False) -> Image.Image:
    image = Image.new("RGB", (size, size), NAVY)
    draw = ImageDraw.Draw(image)
    c = size / 2
    scale = 0.32 if maskable else 0.40  # maskable icons keep their mark inside the safe circle
    r_out, r_in = size * scale, size * scale * 0.28
    for k in range(3):  # three blades, 60° each, 120° apart
        start = -90 + k * 120 - 30
        draw.pieslice([c - r_out, c - r_out, c + r_out, c + r_out], start, start + 60, fill=YELLOW)
    draw.ellipse([c - r_in * 1.35, c - r_in * 1.35, c + r_in * 1.35, c + r_in * 1.35], fill=NAVY)
    draw.ellipse([c - r_in * 0.9, c - r_in * 0.9, c + r_in * 0.9, c + r_in * 0.9], fill=YELLOW)
    return image


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
    icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    print("\n".join(str(p) for p in sorted(OUT.glob("*.png"))))
