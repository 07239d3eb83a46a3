"""Walking a package dependency graph."""

from __future__ import annotations


def reachable(graph: dict[str, list[str]], start: str) -> list[str]:
    """The nodes reachable from *start*, in breadth-first order, *start* first."""
    seen = {start}
    order = []
    queue = [start]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for child in graph.get(node, []):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return order
