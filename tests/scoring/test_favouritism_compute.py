"""The signals' arithmetic without the database: shares, concentration, medians, flags."""
from decimal import Decimal
from types import SimpleNamespace

from scoring.favouritism import compute
from scoring.favouritism.compute import Figures

D = Decimal
THRESHOLDS = SimpleNamespace(min_entries=5, late_share=D("0.30"), no_evidence_share=D("0.30"), rush_share=D("0.50"),
                             top3_share=D("0.60"), concentration_min_members=8, divergence_share=D("0.25"),
                             check_gap=D("0.20"), peer_ratio=D("2.00"))


def test_share_top_share_herfindahl_median():
    assert compute.share(1, 3) == D("0.3333")
    assert compute.share(5, 0) == D("0")
    assert compute.top_share([D(10), D(5), D(3), D(1), D(1)]) == D("0.9000")
    assert compute.top_share([D(1)] * 10) == D("0.3000")
    assert compute.herfindahl([D(1), D(1), D(1), D(1)]) == D("0.2500")
    assert compute.herfindahl([D(7)]) == D("1.0000")
    assert compute.median([D(3), D(1), D(2)]) == D("2.0000")
    assert compute.median([D(1), D(2), D(3), D(10)]) == D("2.5000")
    assert compute.median([]) is None


def _clean(key, n=10):
    return Figures(key=key, total=n, late=0, additions=n, added_points=D(2 * n), no_evidence=0, rush=1,
                   divergent=0, member_points={m: D(2) for m in range(n)}, members=n)


def test_late_evidence_less_rushed_scorer_is_flagged_with_those_reasons_clean_is_not():
    bad = Figures(key=1, total=10, late=8, additions=10, added_points=D(30), no_evidence=9, rush=7, divergent=0,
                  member_points={m: D(3) for m in range(10)})
    flags = compute.flags_for([bad, _clean(2), _clean(3)], THRESHOLDS)
    assert {(f.key, f.kind) for f in flags} == {(1, "late"), (1, "no_evidence"), (1, "rush")}
    late = next(f for f in flags if f.kind == "late")
    assert (late.value, late.count, late.total, late.threshold) == (D("0.8000"), 8, 10, D("0.30"))
    assert late.peer_value == D("0.0000")  # median of the two clean scorers
    rush = next(f for f in flags if f.kind == "rush")
    assert (rush.value, rush.peer_value) == (D("0.7000"), D("0.1000"))


def test_too_few_entries_are_not_assessed():
    few = Figures(key=1, total=4, late=4, additions=4, added_points=D(8), no_evidence=4, rush=4)
    assert compute.flags_for([few], THRESHOLDS) == []


def test_concentration_and_divergence_and_check_gap():
    points = {1: D(20), 2: D(20), 3: D(20)} | {m: D(1) for m in range(4, 12)}
    fig = Figures(key=7, total=20, additions=20, added_points=D(68), divergent=6, member_points=points,
                  checked_points=D(50), confirmed_points=D(35))
    kinds = {f.kind: f for f in compute.flags_for([fig], THRESHOLDS)}
    assert set(kinds) == {"concentration", "divergence", "check_gap"}
    assert kinds["concentration"].value == D("0.8824")
    assert kinds["divergence"].value == D("0.3000")
    assert kinds["check_gap"].value == D("0.3000")


def test_peer_flag_compares_with_median_of_same_kind_only():
    figures = [_clean(1), _clean(2), _clean(3), _clean(4)]
    figures[0].added_points = D(80)  # 8 per member against 2 in the peers
    figures[3].added_points = D(200)  # another kind: not a peer of 1..3
    kinds = {1: "village", 2: "village", 3: "village", 4: "organ"}
    flags = compute.flags_for(figures, THRESHOLDS,
                              peers_of=lambda key: [k for k in kinds if kinds[k] == kinds[key]])
    peer = [f for f in flags if f.kind == "peer"]
    assert [(f.key, f.value, f.peer_value, f.threshold) for f in peer] == [(1, D("8.0000"), D("2.0000"), D("4.0000"))]
    assert peer[0].params == {"ratio": "4.0", "peers": 2}
