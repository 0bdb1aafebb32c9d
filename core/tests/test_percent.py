import pytest
from django.template import Context, Template

from core.percent import percent_round


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (0.0, 0),
        (100 / 6, 17),  # 1 of 6 topics: 16.666…
        (12.5, 13),  # half up, where round() gives 12
        (100 * 29 / 100, 29),  # 28.999999999999996 in floating point
        (2.5, 3),
        (49.4999, 49),
        (0.4, 1),  # something done never reads 0 %
        (99.5, 99),  # 100 % only when complete
        (99.99, 99),
        (100.0, 100),
    ],
)
def test_percent_round_integer(value, expected):
    assert percent_round(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(100 / 3, 33.3), (100 / 6, 16.7), (12.25, 12.3), (0.01, 0.1), (99.96, 99.9), (0.0, 0.0), (100.0, 100.0)],
)
def test_percent_round_one_decimal(value, expected):
    assert percent_round(value, 1) == expected


def test_percent_filter():
    template = Template("{% load core_tags %}{{ a|percent }}|{{ b|percent }}|{{ c|percent }}|{{ d|percent:1 }}")
    assert template.render(Context({"a": 100 / 6, "b": None, "c": "x", "d": 12.25})) == "17|||12.3"
