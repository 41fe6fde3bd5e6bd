"""Whose birthday a cake is for, and how the desk names them to the resident."""

from __future__ import annotations

import pytest

from bot.domain.birthdays import addressed, key_of, whom


@pytest.mark.parametrize(
    "answer", ["mine", "Me!", " myself ", "my own", "我自己", "本人", "", None]
)
def test_the_residents_own_birthday(answer: str | None) -> None:
    assert whom(answer) is None


def test_someone_elses_birthday_keeps_their_name() -> None:
    assert whom("  my daughter   Lily ") == "my daughter Lily"
    assert whom("我女儿莉莉") == "我女儿莉莉"
    assert key_of("My daughter  LILY") == key_of("my daughter Lily")
    assert addressed("My daughter Lily") == "your daughter Lily"
    assert addressed("我女儿莉莉") == "您女儿莉莉"
    assert addressed("Grandpa Wang") == "Grandpa Wang"
