from __future__ import annotations

from cx_graphs import reachable


def test_breadth_first_order() -> None:
    graph = {"app": ["web", "db"], "web": ["http", "db"], "db": ["net"], "http": ["net"]}
    assert reachable(graph, "app") == ["app", "web", "db", "http", "net"]


def test_cycles_are_visited_once() -> None:
    assert reachable({"a": ["b"], "b": ["a", "c"], "c": ["c"]}, "a") == ["a", "b", "c"]


def test_start_without_edges() -> None:
    assert reachable({}, "x") == ["x"]
    assert reachable({"y": ["x"]}, "x") == ["x"]
