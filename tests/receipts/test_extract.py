"""The OCR clean-up of receipts/extract.py (it runs in the child process; here called directly): grayscale, size
brought into Tesseract's range, skew found and undone."""

from pathlib import Path

from PIL import Image

from receipts.extract import LARGE_WIDTH, SMALL_WIDTH, prepare, skew_angle

PHOTO = Path(__file__).resolve().parent.parent / "fixtures" / "receipts" / "23-image.png"  # 300 dpi, not rotated


def test_small_images_are_upscaled_and_huge_ones_scaled_down_in_grayscale():
    image = Image.open(PHOTO).convert("RGB")
    small = prepare(image)
    assert small.mode == "L" and small.width >= SMALL_WIDTH
    huge = prepare(image.resize((image.width * 4, image.height * 4)))
    assert huge.width <= LARGE_WIDTH + 50  # + the deskew's expansion, when any


def test_skew_is_found_and_undone():
    image = Image.open(PHOTO).convert("L")
    assert skew_angle(image) == 0
    for angle in (2, -3):
        tilted = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        assert abs(skew_angle(tilted) + angle) <= 0.5
