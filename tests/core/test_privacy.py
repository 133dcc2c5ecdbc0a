"""What a public page may show of a person: masked names, phones and ID numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weiguang.core.privacy import (
    age_on,
    id_number_check_digit,
    id_number_problem,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_phones_in,
    surname_of,
)

ELDERLY = dt.date(1948, 5, 1)
YOUNG = dt.date(1990, 5, 1)


@pytest.fixture
def june_2025(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 10, 4, tzinfo=dt.UTC), tick=False)


class TestMaskName:
    @pytest.mark.parametrize(
        ("name", "masked"),
        [
            ("张三丰", "张**"),
            ("张三", "张*"),
            ("张", "张*"),
            ("  李四 ", "李*"),
            ("爱新觉罗溥仪", "爱**"),  # never more than two stars: the length is not revealed
            ("欧阳娜娜", "欧阳**"),
            ("欧阳修", "欧阳*"),
            ("诸葛亮", "诸葛*"),
            ("司马相如", "司马**"),
            ("上官婉儿", "上官**"),
            ("John Smith", "J.**"),
            ("anna", "A.**"),
            ("", "**"),
            ("   ", "**"),
        ],
    )
    def test_surname_kept_and_the_rest_hidden(self, name, masked):
        assert mask_name(name) == masked

    @pytest.mark.usefixtures("june_2025")
    @pytest.mark.parametrize(
        ("name", "gender", "born", "masked"),
        [
            ("王秀英", "F", ELDERLY, "王阿姨"),
            ("刘建国", "M", ELDERLY, "刘大爷"),
            ("欧阳秀兰", "F", ELDERLY, "欧阳阿姨"),
            ("王秀英", "F", YOUNG, "王**"),
            ("刘建国", "M", YOUNG, "刘**"),
            ("王秀英", "", ELDERLY, "王**"),  # no gender on file: no guessing
            ("王秀英", "F", None, "王**"),  # no birth date: no guessing
            ("王秀英", "F", dt.date(1965, 6, 10), "王阿姨"),  # 60 today
            ("王秀英", "F", dt.date(1965, 6, 11), "王**"),  # 60 tomorrow
        ],
    )
    def test_elderly_residents_are_auntie_and_uncle(self, name, gender, born, masked):
        assert mask_name(name, gender, born) == masked

    @given(
        surname=st.sampled_from(["张", "王", "李", "欧阳", "司马", "诸葛"]),
        given_name=st.text(alphabet="秀英桂兰建国明华芳玉梅强伟", min_size=1, max_size=3),
        gender=st.sampled_from(["", "F", "M"]),
        born=st.one_of(st.none(), st.dates(dt.date(1920, 1, 1), dt.date(2020, 1, 1))),
    )
    def test_the_given_name_never_shows(self, surname, given_name, gender, born):
        masked = mask_name(surname + given_name, gender, born)
        assert masked.startswith(surname)
        assert not set(given_name) & set(masked[len(surname) :])

    def test_surname_of(self):
        assert surname_of("欧阳娜娜") == "欧阳"
        assert surname_of("欧娜") == "欧"
        assert surname_of("mary") == "M."
        assert surname_of("") == ""

    def test_age_counts_birthdays(self):
        today = dt.date(2025, 6, 10)
        assert age_on(dt.date(1965, 6, 10), today) == 60
        assert age_on(dt.date(1965, 6, 11), today) == 59
        assert age_on(dt.date(1964, 2, 29), dt.date(2025, 2, 28)) == 60
        assert age_on(None, today) is None


class TestMaskPhone:
    @pytest.mark.parametrize(
        ("phone", "masked"),
        [
            ("13812341234", "138****1234"),
            ("138 1234 1234", "138****1234"),
            ("138-1234-1234", "138****1234"),
            ("0532-83881234", "053****1234"),
            ("123456", "******"),
            ("", ""),
            (None, ""),
        ],
    )
    def test_middle_digits_hidden(self, phone, masked):
        assert mask_phone(phone) == masked

    def test_the_middle_never_leaks(self):
        assert "5678" not in mask_phone("13956781234")


class TestIdNumbers:
    VALID = "11010519491231002X"  # the standard's own example

    def test_the_standard_example_is_valid(self):
        assert id_number_check_digit(self.VALID[:17]) == "X"
        assert id_number_problem(self.VALID) is None
        assert id_number_problem(self.VALID.lower()) is None
        assert id_number_problem(f"  {self.VALID} ") is None

    @pytest.mark.parametrize(
        "first17",
        ["37020219500307001", "37020220000229123", "44030419991231456"],
    )
    def test_numbers_with_their_check_digit_are_valid(self, first17):
        assert id_number_problem(first17 + id_number_check_digit(first17)) is None

    @pytest.mark.parametrize(
        "value",
        [
            "110105194912310021",  # check digit should be X
            "370202195003070015",
        ],
    )
    def test_a_wrong_check_digit_is_refused(self, value):
        assert id_number_problem(value)
        assert id_number_problem(value) != id_number_problem("123")

    @pytest.mark.parametrize(
        "value",
        [
            "",
            None,
            "1101051949123100",
            "11010519491231002",
            "1101051949123100211",
            "11010519491231002Y",
            "A1010519491231002X",
        ],
    )
    def test_a_wrong_shape_is_refused(self, value):
        assert id_number_problem(value)

    @pytest.mark.parametrize(
        "birth",
        [
            "19500230",  # 30 February
            "19501301",  # month 13
            "19500000",  # month 0
            "20230229",  # 2023 is not a leap year
            "20990101",  # not born yet
            "18500101",  # older than anyone alive
        ],
    )
    def test_a_birth_date_that_cannot_be_is_refused(self, birth, june_2025):
        first17 = f"370202{birth}001"
        value = first17 + id_number_check_digit(first17)
        problem = id_number_problem(value)
        assert problem
        # the resident is told it is the date, not the check digit
        assert problem == id_number_problem("370202195002300015")

    def test_the_masked_number_keeps_only_its_ends(self):
        masked = mask_id_number(self.VALID)
        assert masked == "1101**********002X"
        assert "19491231" not in masked
        assert len(masked) == 18

    @pytest.mark.parametrize(
        ("value", "masked"), [("", ""), ("12345678", "********"), ("123456789", "1234*6789")]
    )
    def test_short_values_are_masked_too(self, value, masked):
        assert mask_id_number(value) == masked


def test_a_persons_phone_is_masked_however_it_was_typed_and_nothing_else():
    text = "请打 139-1234-5678 或 +86 13912345678，座机 0532-8388 1234，不是 1391234567899"
    assert mask_phones_in(text, {"13912345678", "053283881234", ""}) == (
        "请打 139****5678 或 139****5678，座机 053****1234，不是 1391234567899"
    )
    assert mask_phones_in("", {"13912345678"}) == ""
