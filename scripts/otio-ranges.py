#!/usr/bin/env python3
"""Reference reader for the integration tests: reads a timeline with
OpenTimelineIO (the reference implementation) and prints one JSON object.

    python scripts/otio-ranges.py FILE [--rate R] [--ignore-timecode-mismatch]
                                       [--compat-marker3] [--timeline N]

FILE is read with opentimelineio.adapters.read_from_file (adapter chosen by
suffix: .otio, .edl via otio-cmx3600-adapter, .fcpxml via otio-fcpx-xml-adapter).
--rate (e.g. 25 or 30000/1001) is passed to the CMX 3600 reader only.
Install the venv first with scripts/otio-setup; if this script is started with
another interpreter that lacks opentimelineio it re-executes itself with
target/otio-venv/bin/python.

Output (stdout, one line of JSON):
  {"name", "global_start": [v, r] | null,
   "tracks": [{"kind", "name", "enabled", "items": [ITEM...]}],
   "markers": [MARKER...]            # markers on the timeline's top stack
   ["collection": [...]]}            # only when FILE holds a SerializableCollection
  ITEM: {"type", "name", "source_range", "range_in_parent", "trimmed_range",
         "enabled", "effects", "markers", "metadata",
         "target_url", "generator_kind", "media_reference" (schema name of the
           active reference; all three null except on clips),
         transitions: "in_offset", "out_offset", "transition_type",
                      "transition_range_in_parent" (range_in_parent itself is null),
         stacks: "tracks" (nested, same shape as the top level tracks)}
  Times are [value, rate], ranges [[start_value, start_rate], [dur_value, dur_rate]].
Any error: message on stderr, exit status 2.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_PY = os.path.join(os.path.dirname(HERE), "target", "otio-venv", "bin", "python")

try:
    import opentimelineio as otio
except ImportError:
    # (compare prefixes, not interpreter paths: a venv's python is a symlink to the base one)
    if os.path.exists(VENV_PY) and not os.environ.get("OTIO_RANGES_REEXEC") \
            and os.path.realpath(sys.prefix) != os.path.realpath(os.path.dirname(os.path.dirname(VENV_PY))):
        os.environ["OTIO_RANGES_REEXEC"] = "1"
        os.execv(VENV_PY, [VENV_PY, os.path.abspath(__file__)] + sys.argv[1:])
    sys.stderr.write("otio-ranges: opentimelineio is not installed; run scripts/otio-setup "
                     "and use target/otio-venv/bin/python\n")
    sys.exit(2)


def parse_rate(text):
    if "/" in text:
        num, den = text.split("/", 1)
        return float(num) / float(den)
    return float(text)


def rt(t):
    if t is None:
        return None
    return [t.value, t.rate]


def tr(r):
    if r is None:
        return None
    return [rt(r.start_time), rt(r.duration)]


def plain(v):
    """Metadata (AnyDictionary/AnyVector/OTIO objects) -> plain JSON values."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, otio.opentime.RationalTime):
        return rt(v)
    if isinstance(v, otio.opentime.TimeRange):
        return tr(v)
    if isinstance(v, otio.core.SerializableObject):
        return json.loads(otio.adapters.write_to_string(v, "otio_json"))
    if hasattr(v, "items"):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)) or hasattr(v, "__iter__"):
        return [plain(x) for x in v]
    return str(v)


def marker_obj(m):
    return {
        "name": m.name,
        "color": m.color,
        "comment": getattr(m, "comment", None),
        "marked_range": tr(m.marked_range),
        "metadata": plain(m.metadata),
    }


def effect_obj(e):
    return {
        "type": e.schema_name(),
        "effect_name": e.effect_name,
        "time_scalar": float(e.time_scalar) if hasattr(e, "time_scalar") else None,
        "metadata": plain(e.metadata),
    }


def safe(fn):
    try:
        return fn()
    except Exception:  # e.g. range_in_parent of an orphan, trimmed_range of a ref-less clip
        return None


def item_obj(it):
    kind = it.schema_name()
    o = {"type": kind, "name": it.name}
    if isinstance(it, otio.schema.Transition):
        o.update({
            "source_range": None,
            "range_in_parent": None,
            # OTIO's own Transition.range_in_parent(): (cut - in_offset, in_offset + out_offset)
            "transition_range_in_parent": tr(safe(it.range_in_parent)) if it.parent() is not None else None,
            "in_offset": rt(it.in_offset),
            "out_offset": rt(it.out_offset),
            "transition_type": it.transition_type,
            "trimmed_range": None,
            "enabled": True,
            "media_reference": None,
            "target_url": None,
            "generator_kind": None,
            "effects": [],
            "markers": [],
            "metadata": plain(it.metadata),
        })
        return o
    o["source_range"] = tr(it.source_range)
    o["range_in_parent"] = tr(safe(it.range_in_parent)) if it.parent() is not None else None
    o["trimmed_range"] = tr(safe(it.trimmed_range))
    o["enabled"] = it.enabled
    o["media_reference"] = o["target_url"] = o["generator_kind"] = None
    if isinstance(it, otio.schema.Clip):
        ref = it.media_reference
        o["media_reference"] = ref.schema_name() if ref is not None else None
        o["target_url"] = getattr(ref, "target_url", None) if isinstance(
            ref, otio.schema.ExternalReference) else None
        o["generator_kind"] = ref.generator_kind if isinstance(
            ref, otio.schema.GeneratorReference) else None
    if isinstance(it, otio.schema.Stack):
        o["tracks"] = [track_obj(t) for t in it]
    o["effects"] = [effect_obj(e) for e in it.effects]
    o["markers"] = [marker_obj(m) for m in it.markers]
    o["metadata"] = plain(it.metadata)
    return o


def track_obj(t):
    if not isinstance(t, otio.schema.Track):
        # a Stack may hold non-track children; report them as a one-item pseudo track
        return {"kind": None, "name": t.name, "enabled": getattr(t, "enabled", True),
                "items": [item_obj(t)]}
    return {
        "kind": t.kind,
        "name": t.name,
        "enabled": t.enabled,
        "source_range": tr(t.source_range),
        "items": [item_obj(c) for c in t],
        "markers": [marker_obj(m) for m in t.markers],
    }


def timeline_obj(tl):
    return {
        "name": tl.name,
        "global_start": rt(tl.global_start_time),
        "tracks": [track_obj(t) for t in tl.tracks],
        "markers": [marker_obj(m) for m in tl.tracks.markers],
        "metadata": plain(tl.metadata),
    }


def downgrade_marker3(node):
    """Marker.3 (Color.1 object colour; OTIO main, not yet released) -> Marker.2."""
    if isinstance(node, dict):
        if node.get("OTIO_SCHEMA") == "Marker.3":
            node["OTIO_SCHEMA"] = "Marker.2"
            c = node.get("color")
            if isinstance(c, dict):
                node["color"] = c.get("name") or "RED"
        for v in node.values():
            downgrade_marker3(v)
    elif isinstance(node, list):
        for v in node:
            downgrade_marker3(v)


def read(args):
    path = args.file
    ext = os.path.splitext(path)[1].lower()
    if args.compat_marker3 and ext == ".otio":
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        downgrade_marker3(doc)
        return otio.adapters.read_from_string(json.dumps(doc), "otio_json")
    kwargs = {}
    if ext == ".edl":
        if args.rate is not None:
            kwargs["rate"] = parse_rate(args.rate)
        if args.ignore_timecode_mismatch:
            kwargs["ignore_timecode_mismatch"] = True
    return otio.adapters.read_from_file(path, **kwargs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--rate", help="EDL frame rate, e.g. 25 or 30000/1001 (only for .edl)")
    ap.add_argument("--ignore-timecode-mismatch", action="store_true",
                    help="pass ignore_timecode_mismatch=True to the CMX 3600 reader")
    ap.add_argument("--compat-marker3", action="store_true",
                    help="rewrite Marker.3 to Marker.2 before reading a .otio file")
    ap.add_argument("--timeline", type=int, default=0,
                    help="which Timeline of a SerializableCollection to put at the top level")
    args = ap.parse_args()
    try:
        res = read(args)
        if isinstance(res, otio.schema.Timeline):
            out = timeline_obj(res)
        elif isinstance(res, otio.schema.SerializableCollection):
            timelines = [c for c in res if isinstance(c, otio.schema.Timeline)]
            if timelines:
                out = timeline_obj(timelines[args.timeline])
            else:
                out = {"name": res.name, "global_start": None, "tracks": [], "markers": []}
            out["collection"] = [timeline_obj(c) if isinstance(c, otio.schema.Timeline)
                                 else item_obj(c) for c in res]
        else:
            raise TypeError("unexpected top-level object: " + res.schema_name())
        text = json.dumps(out, allow_nan=False, ensure_ascii=False)
    except Exception as e:  # noqa: BLE001 - any failure is reported the same way
        sys.stderr.write(f"otio-ranges: {path_of(args)}: {type(e).__name__}: {e}\n")
        sys.exit(2)
    sys.stdout.write(text + "\n")


def path_of(args):
    return getattr(args, "file", "?")


if __name__ == "__main__":
    main()
