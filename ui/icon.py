"""The app's own page icon, drawn here: a Material icon name makes the browser fetch the icon from Google's font
servers, and nothing the app shows may come from outside the computer it runs on."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path(__file__).resolve().parent.parent / "estimator" / "fonts" / "DejaVuSans-Bold.ttf"
TEAL = "#2f6f73"  # the theme's primary colour (.streamlit/config.toml)


@cache
def page_icon() -> bytes:
    """A 64 px PNG: a white dollar sign on a rounded teal square."""
    size = 64
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=14, fill=TEAL)
    font = ImageFont.truetype(str(FONT), 46)
    draw.text((size / 2, size / 2 + 1), "$", font=font, fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
