"""The clinic's details as kept: the Good Faith Estimate's clinic details plus the counselor's contact and a logo.

The logo is untrusted upload data: it is size-limited, opened with Pillow under a pixel limit (no decompression
bombs), shrunk to at most MAX_LOGO_SIZE and re-encoded as PNG, so only plain pixels are ever stored or printed.
"""

from __future__ import annotations

import io
import re
import warnings
from functools import lru_cache

from PIL import Image, UnidentifiedImageError
from pydantic import field_validator

from estimator.gfe import ClinicDetails, us_phone
from estimator.text import clean_text

MAX_LOGO_BYTES = 2_000_000  # an upload larger than this is refused before it is opened
MAX_LOGO_PIXELS = 40_000_000  # what Pillow may decode (a 2 MB file can unpack to gigabytes)
MAX_LOGO_SIZE = (600, 200)  # width, height of the stored logo: a printout's letterhead needs no more
_TOO_MANY_PIXELS = "the logo has too many pixels; use an image of at most a few thousand pixels a side"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


class LogoError(ValueError):
    """An image that cannot be used as the logo, in plain English."""


@lru_cache(maxsize=16)
def normalize_logo(raw: bytes) -> bytes:
    """The logo as the store keeps it: PNG, at most MAX_LOGO_SIZE, no metadata. Deterministic, so a stored logo
    read back gives the same bytes (cached, since every load of the details validates it again)."""
    if len(raw) > MAX_LOGO_BYTES:
        raise LogoError(f"the logo is larger than {MAX_LOGO_BYTES // 1_000_000} MB; use a smaller image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                if image.width * image.height > MAX_LOGO_PIXELS:
                    raise LogoError(_TOO_MANY_PIXELS)
                image.load()
                rgba = image.convert("RGBA")
    except LogoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoError(_TOO_MANY_PIXELS) from None
    except UnidentifiedImageError:
        raise LogoError("the logo is not an image Pillow can read (use PNG or JPEG)") from None
    except (OSError, ValueError, SyntaxError):  # a truncated or corrupt image
        raise LogoError("the logo image is damaged or unreadable (use PNG or JPEG)") from None
    rgba.thumbnail(MAX_LOGO_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgba.save(out, format="PNG", optimize=True)
    return out.getvalue()


class ClinicProfile(ClinicDetails):
    """The clinic's kept details: name, address, state, NPI (check digit validated), TIN, phone, location of care,
    the financial counselor's contact and an optional logo (PNG bytes, re-encoded on validation)."""

    counselor_name: str = ""
    counselor_phone: str = ""
    counselor_email: str = ""
    logo_png: bytes | None = None

    @field_validator("counselor_name", mode="before")
    @classmethod
    def _counselor_name(cls, value: object) -> str:
        if value is not None and not isinstance(value, str):
            raise ValueError("enter the counselor's name as text")
        text = clean_text(value)
        if len(text) > 200:
            raise ValueError("the counselor's name is too long (at most 200 characters)")
        return text

    @field_validator("counselor_phone", mode="before")
    @classmethod
    def _counselor_phone(cls, value: object) -> str:
        return us_phone(value)

    @field_validator("counselor_email", mode="before")
    @classmethod
    def _counselor_email(cls, value: object) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        if not isinstance(value, str) or len(value) > 254 or not _EMAIL.fullmatch(value.strip()):
            raise ValueError("enter an e-mail address such as billing@clinic.example")
        return value.strip()

    @field_validator("logo_png", mode="before")
    @classmethod
    def _logo(cls, value: object) -> bytes | None:
        if value is None or value == b"":
            return None
        if not isinstance(value, (bytes, bytearray)):
            raise ValueError("the logo must be image bytes (PNG or JPEG)")
        return normalize_logo(bytes(value))

    def gfe_details(self) -> ClinicDetails:
        """The details a Good Faith Estimate prints (no counselor, no logo)."""
        return ClinicDetails.model_validate(self.model_dump(include=set(ClinicDetails.model_fields)))
