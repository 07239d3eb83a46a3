from collections import deque


def reachable(graph: dict[str, list[str]], start: str) -> list[str]:
    """The nodes reachable from *start*, in breadth-first order, *start* first."""
    seen = {start}
    order = []
    queue = deque([start])
    while queue:
        node = queue.popleft()
        order.append(node)
        for child in graph.get(node, []):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return order
