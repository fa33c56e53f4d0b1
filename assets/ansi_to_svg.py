"""Turn `tmux capture-pane -e -p` output (text with ANSI colours) into an SVG screenshot.

Usage: python3 assets/ansi_to_svg.py < capture.txt > screenshot.svg
"""
import html
import re
import sys

PALETTE = ["#1e1e1e", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
           "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]
FG, BG = "#d4d4d4", "#1e1e1e"
CW, CH = 8.4, 17
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def color256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        return "#%02x%02x%02x" % tuple(0 if c == 0 else 55 + c * 40 for c in (n // 36, n // 6 % 6, n % 6))
    return "#%02x%02x%02x" % ((8 + (n - 232) * 10,) * 3)


def apply(style, params):
    codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            style = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False}
        elif c == 1:
            style["bold"] = True
        elif c == 2:
            style["dim"] = True
        elif c == 7:
            style["rev"] = True
        elif c == 22:
            style["bold"] = style["dim"] = False
        elif c == 27:
            style["rev"] = False
        elif 30 <= c <= 37 or 90 <= c <= 97:
            style["fg"] = PALETTE[c - 30 if c < 90 else c - 82]
        elif 40 <= c <= 47 or 100 <= c <= 107:
            style["bg"] = PALETTE[c - 40 if c < 100 else c - 92]
        elif c == 39:
            style["fg"] = None
        elif c == 49:
            style["bg"] = None
        elif c in (38, 48) and i + 1 < len(codes):
            if codes[i + 1] == 5 and i + 2 < len(codes):
                style["fg" if c == 38 else "bg"] = color256(codes[i + 2])
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                style["fg" if c == 38 else "bg"] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                i += 4
        i += 1
    return style


def main():
    rows = []
    for line in sys.stdin.read().rstrip("\n").split("\n"):
        style = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False}
        cells, pos = [], 0
        for m in SGR.finditer(line):
            cells += [(ch, dict(style)) for ch in line[pos:m.start()]]
            style = apply(style, m.group(1))
            pos = m.end()
        cells += [(ch, dict(style)) for ch in line[pos:]]
        rows.append(cells)
    width = max(len(r) for r in rows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * CW + 20:.0f}" height="{len(rows) * CH + 20}" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">',
           f'<rect width="100%" height="100%" rx="8" fill="{BG}"/>']
    for y, cells in enumerate(rows):
        for x, (ch, st) in enumerate(cells):
            fg, bg = st["fg"] or FG, st["bg"]
            if st["rev"]:
                fg, bg = st["bg"] or BG, st["fg"] or FG
            if bg:
                out.append(f'<rect x="{10 + x * CW:.1f}" y="{10 + y * CH}" width="{CW + 0.2:.1f}" height="{CH}" fill="{bg}"/>')
            if ch.strip():
                weight = ' font-weight="bold"' if st["bold"] else ""
                opacity = ' opacity="0.6"' if st["dim"] else ""
                out.append(f'<text x="{10 + x * CW:.1f}" y="{10 + y * CH + 13}" fill="{fg}"{weight}{opacity}>{html.escape(ch)}</text>')
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
