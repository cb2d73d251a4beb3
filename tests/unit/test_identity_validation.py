"""Pure identity rules: phone numbers, national ID numbers (GB 11643), passwords, names."""

from datetime import date

import pytest

from mgov_common.errors import InvalidArgument
from services.identity.domain.national_id import check_character, mask_national_id, normalize_national_id
from services.identity.domain.passwords import check_password
from mgov_common.phone import mask_phone, normalize_phone
from services.identity.domain.users import check_name

TODAY = date(2026, 1, 15)


@pytest.mark.parametrize("raw", ["13900000100", "139 0000 0100", "139-0000-0100", "+86 139 0000 0100", "0086 13900000100", "8613900000100"])
def test_every_written_form_of_a_mobile_number_normalises_to_eleven_digits(raw: str) -> None:
    assert normalize_phone(raw) == "13900000100"


@pytest.mark.parametrize("raw", ["12900000100", "1390000010", "139000001000", "phone", "+1 415 555 0100", "23900000100"])
def test_a_malformed_phone_is_invalid_and_names_the_field(raw: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        normalize_phone(raw)
    assert err.value.field == "phone" and err.value.code == "invalid_phone"


def test_a_missing_phone_is_required() -> None:
    with pytest.raises(InvalidArgument) as err:
        normalize_phone("  ")
    assert err.value.code == "required"


def test_phone_masking_keeps_the_first_three_and_last_four() -> None:
    assert mask_phone("13900000100") == "139****0100"


def test_the_standard_examples_of_gb_11643_have_the_right_check_character() -> None:
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"
    assert normalize_national_id("11010519491231002x", today=TODAY) == "11010519491231002X"
    assert normalize_national_id(" 440524188001010014 ", today=TODAY) == "440524188001010014"


@pytest.mark.parametrize(("raw", "code"), [
    ("110105194912310021", "invalid_checksum"),
    ("11010519491331002X", "invalid_birth_date"),   # month 13
    ("11010520300101002X", "invalid_birth_date"),   # born in the future
    ("11010519491231002", "invalid_format"),        # 17 characters
    ("01010519491231002X", "invalid_format"),       # region starts with 0
    ("1101051949123100XX", "invalid_format"),
    ("", "required"),
])
def test_bad_national_id_numbers_are_refused_with_a_stable_code(raw: str, code: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        normalize_national_id(raw, today=TODAY)
    assert (err.value.field, err.value.code) == ("national_id", code)


def test_a_future_birth_date_is_checked_against_the_given_day() -> None:
    number = "33010620260116" + "123"
    number += check_character(number)
    with pytest.raises(InvalidArgument):
        normalize_national_id(number, today=TODAY)
    assert normalize_national_id(number, today=date(2026, 1, 16)) == number


def test_national_id_masking_keeps_region_and_last_four() -> None:
    assert mask_national_id("11010519491231002X") == "1101**********002X"


@pytest.mark.parametrize("password", ["mgov-demo-2026", "correct horse battery", "浙里办密码很长的一句话", "Tr0ub4dor&3x"])
def test_good_passwords_pass_including_the_demo_password(password: str) -> None:
    check_password(password, phone="13900000100")


@pytest.mark.parametrize(("password", "code"), [
    ("short1!", "password_too_short"),
    ("x" * 129, "password_too_long"),
    ("13900000100", "password_is_phone"),
    ("my13900000100", "password_is_phone"),
    ("139-0000-0100", "password_is_phone"),
    ("00000100", "password_is_phone"),   # the last eight digits
    ("password", "common_password"),
    ("Password123!", "common_password"),
    ("woaini1314", "common_password"),
    ("qwertyuiop", "common_password"),
    ("11111111", "common_password"),
    ("abcdefghij", "common_password"),   # a run
    ("98765432", "common_password"),
    ("", "required"),
])
def test_weak_passwords_are_refused_naming_the_field(password: str, code: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        check_password(password, phone="13900000100")
    assert (err.value.field, err.value.code) == ("password", code)


def test_names_are_trimmed_bounded_and_free_of_control_characters() -> None:
    assert check_name("  张小明 ") == "张小明"
    for bad, code in (("", "required"), ("x" * 65, "too_long"), ("a\x00b", "invalid_characters")):
        with pytest.raises(InvalidArgument) as err:
            check_name(bad)
        assert err.value.code == code
