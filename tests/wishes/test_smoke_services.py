from weiguang.wishes.models import WishStatus


def test_full_life(make_wish):
    wish = make_wish("confirmed")
    assert wish.status == WishStatus.CONFIRMED
    assert wish.rating == 5
