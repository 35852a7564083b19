"""Logo uploads: PNG, JPEG or WebP detected from the content, at most 2 MB and 4,000 × 4,000 px, re-encoded."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from organisations.images import clean_logo
from organisations.models import Membership

from ..factories import OrganisationFactory, member


def _image(fmt="PNG", size=(40, 20), mode="RGB", **save):
    buffer = io.BytesIO()
    Image.new(mode, size, "teal").save(buffer, fmt, **save)
    return buffer.getvalue()


def _upload(data, name="logo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _png_bomb(width, height):
    """A valid PNG header announcing ``width`` × ``height`` pixels with a tiny compressed body."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    body = zlib.compress(row * 16, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt,ext", [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_png_jpeg_and_webp_are_reencoded_under_a_generated_name(fmt, ext):
    result = clean_logo(_upload(_image(fmt), name="../../etc/passwd.svg"))
    assert result.name.endswith(f".{ext}") and "passwd" not in result.name and "/" not in result.name
    assert Image.open(io.BytesIO(result.read())).format == fmt


def test_the_format_comes_from_the_content_not_the_name():
    result = clean_logo(_upload(_image("JPEG"), name="logo.png", content_type="image/png"))
    assert result.name.endswith(".jpg")


def test_metadata_and_trailing_data_are_dropped():
    data = _image("PNG") + b"<script>alert(1)</script>"
    out = clean_logo(_upload(data)).read()
    assert b"<script>" not in out


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>',
        b"GIF89a" + b"\x00" * 50,
        b"%PDF-1.7 not an image",
        b"",
        _image("PNG")[:60],  # truncated
    ],
)
def test_other_formats_and_broken_files_are_refused_with_a_clear_message(data):
    with pytest.raises(ValidationError, match="PNG, JPEG or WebP"):
        clean_logo(_upload(data, name="logo.svg", content_type="image/svg+xml"))


def test_gif_is_refused_even_when_valid():
    with pytest.raises(ValidationError, match="PNG, JPEG or WebP"):
        clean_logo(_upload(_image("GIF"), name="logo.gif"))


def test_more_than_2_mb_is_refused():
    with pytest.raises(ValidationError, match="2 MB"):
        clean_logo(_upload(b"\x89PNG" + b"\x00" * (2 * 1024 * 1024)))


def test_more_than_4000_pixels_a_side_is_refused():
    with pytest.raises(ValidationError, match="4000 × 4000"):
        clean_logo(_upload(_image("PNG", size=(4001, 10))))


@pytest.mark.parametrize("side", [6000, 30000])
def test_a_decompression_bomb_is_refused_with_a_clear_message(side):
    bomb = _png_bomb(side, side)
    assert len(bomb) < 20_000
    with pytest.raises(ValidationError, match="4000 × 4000"):
        clean_logo(_upload(bomb))


@pytest.mark.django_db
def test_owner_uploads_a_logo_that_the_profile_shows(client):
    org = OrganisationFactory()
    owner = member(org, Membership.Role.OWNER)
    client.force_login(owner)
    response = client.post(
        reverse("organisations:edit", kwargs={"slug": org.slug}),
        {"name": org.name, "stakeholder_type": org.stakeholder_type_id, "logo": _upload(_image("PNG"))},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.logo.name.startswith("logos/") and org.logo.name.endswith(".png")
    client.logout()
    page = client.get(org.get_absolute_url()).content.decode()
    assert reverse("organisations:logo", kwargs={"slug": org.slug}) in page
    logo = client.get(reverse("organisations:logo", kwargs={"slug": org.slug}))
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_a_refused_logo_keeps_what_was_typed_and_says_why(client):
    org = OrganisationFactory()
    client.force_login(member(org, Membership.Role.OWNER))
    response = client.post(
        reverse("organisations:edit", kwargs={"slug": org.slug}),
        {
            "name": "A new name typed",
            "stakeholder_type": org.stakeholder_type_id,
            "logo": _upload(b"<svg/>", name="x.svg", content_type="image/svg+xml"),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Upload a PNG, JPEG or WebP image" in html and 'value="A new name typed"' in html
    org.refresh_from_db()
    assert not org.logo
