"""Fail when a Vietnamese catalogue entry is untranslated or fuzzy."""

import sys
from pathlib import Path


def main(path: str) -> int:
    text = Path(path).read_text(encoding="utf-8")
    problems = []
    for block in text.split("\n\n")[1:]:
        lines = [ln for ln in block.strip().splitlines() if ln]
        if not lines or all(ln.startswith("#~") for ln in lines):
            continue
        if any(ln.startswith("#,") and "fuzzy" in ln for ln in lines):
            problems.append(("fuzzy", block))
            continue
        msgstr_lines = []
        in_str = False
        for ln in lines:
            if ln.startswith("msgstr"):
                in_str = True
                msgstr_lines.append(ln.split(" ", 1)[1] if " " in ln else "")
            elif in_str and ln.startswith('"'):
                msgstr_lines.append(ln)
            elif in_str:
                in_str = ln.startswith("msgstr[")
                if in_str:
                    msgstr_lines.append(ln.split(" ", 1)[1])
        if not any(s.strip('"') for s in msgstr_lines):
            problems.append(("untranslated", block))
    for kind, block in problems:
        print(f"{kind}:\n{block}\n", file=sys.stderr)
    if problems:
        print(f"{len(problems)} Vietnamese entries need work", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
