"""Reading a QR code image back to its text, as a phone's scanner would: the PNG decoded to
grey pixels here (greyscale or palette, 1 to 8 bits, every row filter), then zxing-cpp
finds and decodes the code in them."""

from __future__ import annotations

import struct
import zlib

import zxingcpp

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunks(data: bytes) -> dict[bytes, bytes]:
    assert data.startswith(SIGNATURE), "not a PNG"
    chunks: dict[bytes, bytes] = {}
    position = len(SIGNATURE)
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks[kind] = chunks.get(kind, b"") + body  # IDAT chunks are one stream
        position += 12 + length
    return chunks


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> list[bytearray]:
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = previous[x]
            c = previous[x - bpp] if x >= bpp else 0
            predictor = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
            line[x] = (line[x] + predictor) & 0xFF
        rows.append(line)
        previous = line
    return rows


def grey_pixels(png: bytes) -> tuple[bytes, int, int]:
    """The image as 8-bit grey pixels, row by row, with its width and height."""
    chunks = _chunks(png)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert colour in (0, 3) and depth in (1, 2, 4, 8) and interlace == 0, (colour, depth)
    stride = (width * depth + 7) // 8
    rows = _unfilter(zlib.decompress(chunks[b"IDAT"]), height, stride, 1)
    palette = chunks.get(b"PLTE", b"")
    top = (1 << depth) - 1
    pixels = bytearray()
    for line in rows:
        for x in range(width):
            bit = x * depth
            value = (line[bit // 8] >> (8 - depth - bit % 8)) & top
            if colour == 3:
                r, g, b = palette[3 * value : 3 * value + 3]
                pixels.append((r * 299 + g * 587 + b * 114) // 1000)
            else:
                pixels.append(value * 255 // top)
    return bytes(pixels), width, height


def decode_png(png: bytes) -> list[str]:
    """The texts of every QR code found in the image."""
    pixels, width, height = grey_pixels(png)
    image = memoryview(pixels).cast("B", (height, width))
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(image)
        if barcode.format == zxingcpp.BarcodeFormat.QRCode
    ]
