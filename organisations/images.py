"""Organisation logos: checked from their content and re-encoded with Pillow before they are stored.

Rules (issue "Organisations, members and permissions"): PNG, JPEG or WebP only, detected from the bytes (the
file name and the browser's content type are ignored); at most 2 MB and 4,000 × 4,000 pixels; a small file
that would decompress to a huge image is refused; re-encoded (which drops metadata and anything hidden after
the image data) and stored under a generated name. SVG is never accepted (it can carry scripts).
"""

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
# Pillow's decompression-bomb guard: warns above this many pixels, errors above twice as many. A logo within
# MAX_SIDE × MAX_SIDE never reaches it.
MAX_PIXELS = MAX_SIDE * MAX_SIDE
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Pillow format name -> (stored extension, content type).
FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
CONTENT_TYPES = {ext: ctype for ext, ctype in FORMATS.values()}


def clean_logo(uploaded) -> ContentFile:
    """Validate an uploaded logo and return it re-encoded, named ``<random>.<png|jpg|webp>``.

    Args:
        uploaded: a Django ``UploadedFile`` (or any file object with ``read`` and ``size``).
    Returns: a ``ContentFile`` ready for ``Organisation.logo.save``.
    Raises:
        ValidationError: too large (bytes or pixels), not a PNG/JPEG/WebP image, or unreadable; the message
            says which.
    """
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            _("The logo is larger than 2 MB. Please upload a smaller file."), code="too_large"
        )
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The logo is larger than 2 MB. Please upload a smaller file."), code="too_large"
        )
    too_many_pixels = ValidationError(
        _("The image is larger than %(side)d × %(side)d pixels. Please upload a smaller image.")
        % {"side": MAX_SIDE},
        code="too_many_pixels",
    )
    not_an_image = ValidationError(
        _("Upload a PNG, JPEG or WebP image. Other formats (including SVG) are not accepted."),
        code="invalid_format",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format
            if fmt not in FORMATS:
                raise not_an_image
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise too_many_pixels
            image.verify()  # checksums and completeness: a truncated or corrupt file is refused
            image = Image.open(io.BytesIO(data))
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_many_pixels from error
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise not_an_image from error
    return _reencode(image, fmt)


def _reencode(image: Image.Image, fmt: str) -> ContentFile:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "WEBP":
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        image.save(out, "WEBP", quality=88)
    else:
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        image.save(out, "PNG", optimize=True)
    ext = FORMATS[fmt][0]
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
