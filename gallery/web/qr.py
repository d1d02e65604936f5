"""Station URL -> QR code as SVG: qrcode's path image, small and sharp at any size, no Pillow."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
import qrcode.image.svg


@lru_cache(maxsize=512)
def svg(url: str) -> bytes:
    # Error correction M: survives a smudged or partly covered poster, still few modules.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,  # the quiet zone the QR standard asks for
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()
