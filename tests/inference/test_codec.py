import io

import numpy as np
import pytest
from PIL import Image

from inference.codec import HEADER_SIZE, encode_image, pack_frame, unpack_frame


@pytest.mark.parametrize("codec", ["jpeg", "webp"])
def test_frame_round_trips_header_and_image(codec):
    pixels = np.zeros((128, 128, 3), np.uint8)
    pixels[:, 64:] = (200, 40, 10)
    data = pack_frame(
        image=encode_image(pixels, codec), codec=codec, seq=42, action_seq=7, produced_at=1700000000.5
    )

    header, image = unpack_frame(data)

    assert HEADER_SIZE == 20
    assert (header.codec, header.seq, header.action_seq) == (codec, 42, 7)
    assert header.produced_at_ms == pytest.approx(1700000000500.0)
    decoded = np.asarray(Image.open(io.BytesIO(image)).convert("RGB"))
    assert decoded.shape == (128, 128, 3)
    assert abs(int(decoded[64, 100, 0]) - 200) < 12 and decoded[64, 10].max() < 12


def test_unpack_rejects_foreign_bytes():
    with pytest.raises(ValueError):
        unpack_frame(b"\x89PNG" + bytes(40))
    with pytest.raises(ValueError):
        unpack_frame(b"WF")
