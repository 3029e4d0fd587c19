"""``minirelease release grayscale PERCENTAGE`` sends a JSON number (the server refuses
text, issue 12): plain decimals only, nothing a float would round."""

from __future__ import annotations

import pytest

from minirelease.cli.exits import CliError, Exit
from minirelease.cli.rollout_cmds import percentage_number


@pytest.mark.parametrize(
    ("text", "number"), [("5", 5), ("100", 100), ("25.5", 25.5), ("0.07", 0.07), ("1.50", 1.5)]
)
def test_a_plain_decimal_goes_out_as_a_json_number(text: str, number: float) -> None:
    sent = percentage_number(text)
    assert sent == number and type(sent) is type(number)


@pytest.mark.parametrize(
    "text", ["1e2", "nan", "inf", "-5", "+5", "5%", "5.", ".5", "", "0x10", "5.0000000000000001"]
)
def test_anything_else_is_a_usage_error(text: str) -> None:
    with pytest.raises(CliError) as refused:
        percentage_number(text)
    assert (refused.value.code, refused.value.exit_code) == ("bad_option", Exit.USAGE)
