"""rnnlib.figures.common: Unicode maths for captions and static figures at twice their CSS pixels."""
import io

import pytest

from rnnlib.figures import common


def test_sub_sup_and_powers_of_ten():
    assert common.sub("t-1") == "ₜ₋₁" and common.sup(200) == "²⁰⁰" and common.sup("-23") == "⁻²³"
    with pytest.raises(ValueError, match="subscript"):
        common.sub("f")  # Unicode has no subscript f
    assert common.times_ten_to(20.696) == "4.97 × 10²⁰"
    assert common.times_ten_to(-22.88) == "1.32 × 10⁻²³"
    assert common.times_ten_to(349.5) == "3.16 × 10³⁴⁹"  # far beyond float64
    assert common.times_ten_to(0.99999) == "1.00 × 10¹"  # 9.99977 rounds up: one more power


def test_static_figure_png_has_twice_the_pixels_of_its_css_size():
    from PIL import Image

    fig = common.static_figure((3.0, 2.0), dpi=80)
    fig.add_subplot().plot([0, 1], [0, 1])
    png, size = fig._repr_png_()
    assert size == {"width": 240, "height": 160}
    assert Image.open(io.BytesIO(png)).size == (240 * common.PIXEL_RATIO, 160 * common.PIXEL_RATIO)
