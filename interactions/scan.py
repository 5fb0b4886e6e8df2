"""Scan theirs: a capture row's photo of someone's QR code fills the row.

The photo is read by Pillow, within bounds (its size in bytes and in pixels, checked from its header before
any pixel is decoded), and its QR code by zxing-cpp. A vCard or MECARD code gives the person's name, email,
phone and company; any other code's text (a badge's URL) goes into the row's context line. The photo itself
is never stored. Hostile or broken images end in ScanError, whose message the row shows.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import zxingcpp
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from PIL import Image

# The phone shrinks photos to at most 2,000 px before sending them (static/js/kith.js); a camera's own file
# may still come from a phone without JavaScript, so the server takes a little more.
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTO_PIXELS = 4096 * 4096
FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class ScanError(ValueError):
    """A photo Kith could not read; the message says why, for the row."""


@dataclass(frozen=True, slots=True)
class Scanned:
    """What a code held, in a capture row's terms."""

    name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    context: str = ""


def photo_image(photo: UploadedFile) -> Image.Image:
    """The photo as a greyscale image, refused when too big in bytes or pixels, or not an image."""
    if (photo.size or 0) > MAX_PHOTO_BYTES:
        raise ScanError(f"The photo is too big (over {MAX_PHOTO_BYTES // (1024 * 1024)} MB).")
    data = photo.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise ScanError(f"The photo is too big (over {MAX_PHOTO_BYTES // (1024 * 1024)} MB).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise ScanError("The photo has too many pixels: take it again at a smaller size.")
            image.load()
            return image.convert("L")
    except ScanError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as error:
        raise ScanError("That file is not a photo Kith can read.") from error


def code_text(image: Image.Image) -> str:
    """The text of the first QR code in the image."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    if not found or not found[0].text.strip():
        raise ScanError("No QR code was found in the photo. Try again closer, the code filling the frame.")
    return found[0].text.strip()


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value).strip()


def _vcard(text: str) -> Scanned:
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    values: dict[str, str] = {}
    for line in unfolded.splitlines():
        head, sep, value = line.partition(":")
        if not sep:
            continue
        name = head.split(";")[0].split(".")[-1].upper()
        values.setdefault(name, value)
    name = _unescape(values.get("FN", ""))
    if not name and "N" in values:
        family, _, rest = values["N"].partition(";")
        name = f"{_unescape(rest.split(';')[0])} {_unescape(family)}".strip()
    phone = values.get("TEL", "").removeprefix("tel:")
    company = _unescape(re.split(r"(?<!\\);", values.get("ORG", ""))[0])
    return Scanned(name=name, email=_unescape(values.get("EMAIL", "")), phone=phone.strip(), company=company)


def _mecard(text: str) -> Scanned:
    fields: dict[str, str] = {}
    for part in re.split(r"(?<!\\);", text.removeprefix("MECARD:")):
        key, sep, value = part.partition(":")
        if sep:
            fields.setdefault(key.upper(), _unescape(value))
    family, _, given = fields.get("N", "").partition(",")
    return Scanned(
        name=f"{given.strip()} {family.strip()}".strip(),
        email=fields.get("EMAIL", ""),
        phone=fields.get("TEL", ""),
        company=fields.get("ORG", ""),
    )


def code_read(text: str) -> Scanned:
    """A vCard or MECARD as the person it describes; any other text as the row's context line."""
    if text.upper().startswith("BEGIN:VCARD"):
        return _vcard(text)
    if text.upper().startswith("MECARD:"):
        return _mecard(text)
    return Scanned(context=text[:500])


def scan_fill(data: QueryDict, photo: UploadedFile) -> QueryDict:
    """The row's fields with what the photo's code holds put in where the person typed nothing."""
    scanned = code_read(code_text(photo_image(photo)))
    filled = data.copy()
    for field in ("name", "email", "phone", "company", "context"):
        value = getattr(scanned, field)
        if value and not filled.get(field, "").strip():
            filled[field] = value
    return filled
