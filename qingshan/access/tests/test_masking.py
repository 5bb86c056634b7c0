"""Reporter masking: no length of name or phone is shown in full or nearly so."""
import pytest

from qingshan.access.crypto import mask_name, mask_phone


@pytest.mark.parametrize("length", range(1, 21))
def test_phone_of_every_length_shows_at_most_first_3_last_2_and_40_percent(length):
    phone = "".join(str((i * 7 + 3) % 10) for i in range(length))
    masked = mask_phone(phone)
    assert len(masked) == length
    shown = [i for i, c in enumerate(masked) if c != "*"]
    assert len(shown) <= length * 0.4
    assert all(masked[i] == phone[i] for i in shown)
    assert all(i < 3 or i >= length - 2 for i in shown)
    assert "*" in masked


def test_known_phones():
    assert mask_phone("13812345678") == "13*******78"
    assert mask_phone("88123456") == "88*****6"
    assert mask_phone("8123456") == "8*****6"
    assert mask_phone(" 12 ") == "**"
    assert mask_phone("") == ""


@pytest.mark.parametrize("length", range(1, 21))
def test_name_of_every_length_shows_only_its_first_character(length):
    name = "张三丰李四王五赵六钱七孙八周九吴十郑冯陈褚"[:length]
    masked = mask_name(name)
    assert len(masked) == length
    if length == 1:
        assert masked == "*"
    else:
        assert masked == name[0] + "*" * (length - 1)


def test_masking_a_stored_mask_again_never_reveals_more():
    for phone in ("1234567", "88123456", "13812345678"):
        assert mask_phone(mask_phone(phone)) == mask_phone(phone)
