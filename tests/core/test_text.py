"""Text helpers shared by the apps."""

from __future__ import annotations

from weiguang.core.text import natural_key


def test_numbers_in_building_and_door_names_sort_by_value():
    names = ["12号楼", "2号楼3单元", "2号楼", "A座", "１１号楼", "2号楼10单元", "", "10号楼", "b座"]
    assert sorted(names, key=natural_key) == [
        "", "2号楼", "2号楼3单元", "2号楼10单元", "10号楼", "１１号楼", "12号楼", "A座", "b座",
    ]  # fmt: skip
    assert natural_key(" 3号楼 ") == natural_key("3号楼")
    assert natural_key(None) == natural_key("") == ()
