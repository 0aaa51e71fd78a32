#!/usr/bin/python3
"""report.html opens in headless Chromium, is not blank and every figure on it loads.

Runs a small experiment with two figures, takes a screenshot of its report.html (decoded here: the
page must have ink and several colours, not one flat background) and, on a copy of the page with a
probe script added, counts the <img> elements whose image loaded (naturalWidth > 0). Also: the page
itself has no script and no remote resource. Usage: test_report_html.py SGDCHECK_EXE [SCREENSHOT_OUT]
"""
import os
import re
import shutil
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import experiment, run, expect, fail, tempdir  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def chromium(args, profile, timeout=120):
    cmd = ["timeout", "-k", "5", str(timeout), CHROMIUM, "--headless=new", "--disable-gpu", "--no-first-run",
           "--user-data-dir=" + profile, "--allow-file-access-from-files"]
    if os.geteuid() == 0:
        cmd.append("--no-sandbox")
    return run(cmd + args, timeout=timeout + 10)


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit non-interlaced RGB/RGBA PNG (what Chromium writes)."""
    data = open(path, "rb").read()
    expect(data[:8] == b"\x89PNG\r\n\x1a\n", "screenshot is a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            expect(depth == 8 and ctype in (2, 6) and interlace == 0, f"PNG format {depth}/{ctype}/{interlace}")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def main():
    exe = sys.argv[1]
    keep = sys.argv[2] if len(sys.argv) > 2 else ""
    with tempdir() as tmp:
        exp = os.path.join(tmp, "r.yaml")
        open(exp, "w").write(experiment("report_probe", 40, 0.25, [
            "matches_exact: {oracle: oracle.minibatch_lsq.dist2, k: 4}",
            "tightness: {bound: sgd.strongly_convex.dist2, max_ratio: 12}"],
            ["{name: dist2_vs_iter, x: iter, y: dist2, scale: loglog}",
             "{name: step_vs_iter, x: iter, y: step, scale: semilogx}"]))
        out = os.path.join(tmp, "out")
        rc, so, se = run([exe, "run", exp, "--jobs", "2", "--format", "png,svg", "--out", out])
        expect(rc == 1, f"the tightness check fails (exit 1), the report is written anyway: {rc} {se}")
        d = os.path.join(out, "report_probe")
        html = open(os.path.join(d, "report.html"), encoding="utf-8").read()
        expect("<script" not in html.lower(), "report.html has no script")
        expect(not re.search(r'(src|href)="(https?:)?//', html), "report.html loads nothing from the network")
        srcs = re.findall(r'<img src="([^"]+)"', html)
        expect(sorted(srcs) == ["plots/dist2_vs_iter.png", "plots/step_vs_iter.png"], f"one image per figure: {srcs}")
        for s in srcs:
            expect(os.path.isfile(os.path.join(d, s)), f"{s} exists")
        for needle in ("matches_exact", "tightness", "class=\"st fail\"", "oracle.minibatch_lsq.dist2", "M_grad",
                       "href=\"summary.csv\"", "href=\"checks.json\"", "runner.batch=8", "<pre>"):
            expect(needle in html or needle.replace("runner.", "") in html, f"report.html shows {needle}")

        # Screenshot: not blank.
        shot = os.path.join(tmp, "shot.png")
        rc, so, se = chromium(["--window-size=1280,2400", "--hide-scrollbars", "--screenshot=" + shot,
                               "file://" + os.path.join(d, "report.html")], os.path.join(tmp, "profile1"))
        expect(rc == 0 and os.path.isfile(shot), f"chromium took a screenshot (exit {rc}): {se[-500:]}")
        if keep:
            shutil.copy(shot, keep)
        w, h, rows = png_pixels(shot)
        expect((w, h) == (1280, 2400), f"screenshot size {w}x{h}")
        bg = rows[0][0]
        ink = sum(1 for r in rows[::4] for p in r[::4] if max(abs(p[i] - bg[i]) for i in range(3)) > 40)
        colours = {p for r in rows[::8] for p in r[::8]}
        frac = ink / (len(rows[::4]) * len(rows[0][::4]))
        expect(frac > 0.01, f"the screenshot has ink ({frac:.4f} of the pixels differ from the background)")
        expect(len(colours) > 20, f"the screenshot has more than a few colours ({len(colours)})")
        # Green and red status badges are drawn (the pass / fail colours of the page's style).
        expect(any(p[1] > 100 and p[0] < 80 and p[2] < 80 for r in rows for p in r[::2]), "a green pass badge")
        expect(any(p[0] > 170 and p[1] < 80 and p[2] < 70 for r in rows for p in r[::2]), "a red fail badge")

        # Every image loaded: a copy with a probe script (the page itself forbids scripts).
        probe = os.path.join(d, "probe.html")
        text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        text = text.replace("</body>", "<script>window.addEventListener('load',function(){var i=[].slice.call("
                            "document.images);var ok=i.filter(function(x){return x.complete&&x.naturalWidth>0});"
                            "var p=document.createElement('p');p.id='imgprobe';p.textContent='IMAGES '+i.length+' '+"
                            "ok.length;document.body.appendChild(p);});</script></body>")
        open(probe, "w", encoding="utf-8").write(text)
        rc, dom, se = chromium(["--virtual-time-budget=10000", "--dump-dom", "file://" + probe],
                               os.path.join(tmp, "profile2"))
        m = re.search(r"IMAGES (\d+) (\d+)", dom)
        expect(rc == 0 and m, f"the probe ran (exit {rc}): {se[-300:]}")
        expect(int(m.group(1)) == 2 and int(m.group(2)) == 2, f"every image loaded: {m.group(0)}")
    print("report.html: ok")


if __name__ == "__main__":
    main()
