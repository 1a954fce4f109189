"""The shape of the code, as ARCHITECTURE.md describes it, checked where import-linter cannot."""

import grimp


def parts_of(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """Which top-level parts of the product (``vaultra_mcp.services``, ``api_shell.routes``...)
    each part imports directly."""

    def part(module: str) -> str:
        return ".".join(module.split(".")[:2])

    imports: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] in ("vaultra_mcp", "api_shell") and part(imported) != part(
                module
            ):
                imports.setdefault(part(module), set()).add(part(imported))
    return imports


def reachable(imports: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for nxt in imports.get(stack.pop(), set()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def test_no_part_of_the_product_imports_itself_round_a_circle():
    imports = parts_of(grimp.build_graph("vaultra_mcp", "api_shell"))
    circles = sorted(part for part in imports if part in reachable(imports, part))
    assert circles == []


def test_the_installed_product_carries_no_fake():
    graph = grimp.build_graph("vaultra_mcp", "api_shell")
    assert not [m for m in graph.modules if "fake" in m.split(".")[-1]]
