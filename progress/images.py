"""Best-practice images: checked from their content and re-encoded with Pillow before they are stored.

The same rules as organisation logos (``organisations.images``) with room for photographs: PNG, JPEG or WebP
only, detected from the bytes; at most 5 MB and 5,000 × 5,000 pixels; a small file that would decompress to a
huge image is refused; re-encoded (which drops metadata such as a photo's GPS position, and anything hidden
after the image data), scaled down to at most 2,000 pixels on its longer side, and stored under a generated name.
"""

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 5000
STORED_SIDE = 2000
FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
CONTENT_TYPES = {ext: ctype for ext, ctype in FORMATS.values()}


def clean_best_practice_image(uploaded) -> ContentFile:
    """Validate an uploaded image and return it re-encoded, named ``<random>.<png|jpg|webp>``.

    Args:
        uploaded: a Django ``UploadedFile`` (or a file object with ``read`` and ``size``).
    Returns: a ``ContentFile`` ready for ``BestPractice.image.save``.
    Raises:
        ValidationError: larger than 5 MB or 5,000 pixels on a side, not a PNG/JPEG/WebP image, or unreadable.
    """
    too_large = ValidationError(
        _("The image is larger than 5 MB. Please upload a smaller file."), code="too_large"
    )
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_BYTES:
        raise too_large
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large
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
            # The explicit side limit below decides; Pillow's own guard (an error at twice
            # ``Image.MAX_IMAGE_PIXELS``) still stops a decompression bomb before it is decoded.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = image.format
            if fmt not in FORMATS:
                raise not_an_image
            if image.size[0] > MAX_SIDE or image.size[1] > MAX_SIDE:
                raise too_many_pixels
            image.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
            image = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError as error:
        raise too_many_pixels from error
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise not_an_image from error
    image.thumbnail((STORED_SIDE, STORED_SIDE))
    out = io.BytesIO()
    alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "WEBP":
        image.convert("RGBA" if alpha else "RGB").save(out, "WEBP", quality=85)
    else:
        image.convert("RGBA" if alpha else "RGB").save(out, "PNG", optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{FORMATS[fmt][0]}")
