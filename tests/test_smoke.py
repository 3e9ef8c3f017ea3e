from decimal import Decimal

from tandem.okrs import services as okrs


def test_check_in_moves_key_result_and_objective(cast):
    okrs.key_result_check_in(key_result=cast.kr, value="40", confidence=7, by=cast.member)
    cast.kr.refresh_from_db()
    cast.objective.refresh_from_db()
    assert cast.kr.current == Decimal(40)
    assert cast.kr.progress == Decimal("0.4")
    assert cast.objective.progress == Decimal("0.4")
