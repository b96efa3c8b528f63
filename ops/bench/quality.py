#!/usr/bin/env python3
"""Quality measurements of ops/bench/quality.sh: an output's video against its source, frame by frame.

  quality.py measure OUT SRC WORKDIR   print one JSON object: frame counts, the video stream's bytes, duration and
                                       bitrate, PSNR and SSIM against SRC, and per frame (in presentation order) the
                                       PSNR, the packet size and whether it is a key frame
  quality.py boundaries A.json B.json STARTS WINDOW
                                       A and B are two measure results of the same source (single pass, chunked);
                                       STARTS the chunks' first frames ("0 457 911 ..."). Prints JSON: mean PSNR of
                                       each and bytes of each within WINDOW frames after every chunk start but the
                                       first, and the same for every other frame
"""
import json
import os
import re
import subprocess
import sys


def run(args):
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-2000:]}")
    return done


def packets(path):
    """The video packets in presentation order: (pts, size, key)."""
    out = run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts,size,flags",
               "-of", "json", f"file:{path}"]).stdout
    rows = [(int(p["pts"]), int(p["size"]), "K" in p.get("flags", "")) for p in json.loads(out)["packets"]]
    return sorted(rows)


def stream(path):
    out = run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
               "stream=duration,r_frame_rate:format=duration", "-of", "json", f"file:{path}"]).stdout
    info = json.loads(out)
    s = info["streams"][0]
    num, den = (int(x) for x in s["r_frame_rate"].split("/"))
    return float(s.get("duration") or info["format"]["duration"]), num / den


def compare(out, src, workdir, skip_first, frames):
    """PSNR and SSIM of OUT's frames against SRC's, both from their first frame (OUT's after skip_first), frame
    index against frame index: both get the timestamps n/25 in a time base of 1/25 (one exact grid for both) before
    the filters pair them.
    Pairing by the files' own timestamps would pair wrongly: a joined output keeps the chunks' matroska timestamps,
    whole milliseconds (0, 33, 67, 100 ms...), and its frame at 33 ms meets the source's frame before 33.3 ms."""
    psnr_log, ssim_log = os.path.join(workdir, "psnr.log"), os.path.join(workdir, "ssim.log")
    first = f"trim=start_frame={skip_first}," if skip_first else ""
    index = "settb=1/25,setpts=N"
    graph = (f"[0:v:0]{first}trim=end_frame={frames},{index},split[a1][a2];"
             f"[1:v:0]trim=end_frame={frames},{index},split[b1][b2];"
             f"[a1][b1]psnr=stats_file={psnr_log}[p];[a2][b2]ssim=stats_file={ssim_log}[s]")
    err = run(["ffmpeg", "-hide_banner", "-nostats", "-i", f"file:{out}", "-i", f"file:{src}",
               "-filter_complex", graph, "-map", "[p]", "-f", "null", "-", "-map", "[s]", "-f", "null", "-"]).stderr
    psnr = re.search(r"PSNR y:([\d.]+) u:([\d.]+) v:([\d.]+) average:([\d.]+)", err)
    ssim = re.search(r"SSIM Y:([\d.]+).*All:([\d.]+)", err)
    if not psnr or not ssim:
        sys.exit(f"no PSNR/SSIM summary from ffmpeg for {out}:\n{err[-2000:]}")
    per_frame = []
    with open(psnr_log) as f:
        for line in f:
            fields = dict(kv.split(":", 1) for kv in line.split())
            per_frame.append(float(fields["psnr_avg"]) if fields["psnr_avg"] != "inf" else 100.0)
    return {"psnr": float(psnr.group(4)), "psnr_y": float(psnr.group(1)), "ssim": float(ssim.group(2)),
            "ssim_y": float(ssim.group(1)), "psnr_frames": per_frame}


def first_frame_psnr(out, src, out_frame, src_frame):
    graph = (f"[0:v:0]trim=start_frame={out_frame}:end_frame={out_frame + 1},setpts=PTS-STARTPTS[a];"
             f"[1:v:0]trim=start_frame={src_frame}:end_frame={src_frame + 1},setpts=PTS-STARTPTS[b];[a][b]psnr")
    err = run(["ffmpeg", "-hide_banner", "-nostats", "-i", f"file:{out}", "-i", f"file:{src}", "-filter_complex",
               graph, "-f", "null", "-"]).stderr
    return float(re.search(r"average:([\d.]+|inf)", err).group(1).replace("inf", "100"))


def measure(out, src, workdir):
    pk, src_frames = packets(out), len(packets(src))
    duration, fps = stream(out)
    frames = len(pk)
    video_bytes = sum(size for _, size, _ in pk)
    result = {"frames": frames, "source_frames": src_frames, "video_bytes": video_bytes, "duration_s": duration,
              "video_kbps": video_bytes * 8 / duration / 1000, "fps": fps, "aligned_by": "every frame as written"}
    skip = 0
    if frames == src_frames + 1:
        # ffmpeg's constant-frame-rate output (mp4's default) repeats a frame to fill a gap. Where: if the output's
        # second frame is the source's first (and not its second), the repeat is the first frame, and the output
        # from its second frame on is the source frame for frame.
        second_vs_first = first_frame_psnr(out, src, 1, 0)
        second_vs_second = first_frame_psnr(out, src, 1, 1)
        if second_vs_first <= second_vs_second:
            sys.exit(f"{out} has one frame more than the source, but not a repeated first frame "
                     f"(its 2nd frame: {second_vs_first:.1f} dB against the source's 1st, {second_vs_second:.1f} dB "
                     f"against its 2nd): no honest alignment known")
        skip = 1
        result["aligned_by"] = (f"first frame dropped: a repeat of the source's first (its 2nd frame "
                                f"{second_vs_first:.1f} dB against the source's 1st, {second_vs_second:.1f} dB against its 2nd)")
    elif frames != src_frames:
        sys.exit(f"{out} has {frames} frames, the source {src_frames}: not aligned")
    q = compare(out, src, workdir, skip, src_frames)
    if len(q["psnr_frames"]) != src_frames:
        sys.exit(f"PSNR compared {len(q['psnr_frames'])} frames, the source has {src_frames}")
    # A frame off anywhere pairs moving pictures a frame apart: about 25 dB here, against 40-45 dB when aligned.
    ordered = sorted(q["psnr_frames"])
    median, worst = ordered[len(ordered) // 2], ordered[0]
    if worst < median - 12:
        off = [i for i, v in enumerate(q["psnr_frames"]) if v < median - 12]
        sys.exit(f"{out}: {len(off)} frames (first {off[:5]}) 12 dB or more below the median {median:.1f} dB: "
                 f"frames look misaligned")
    result.update(q)
    result["frame_bytes"] = [size for _, size, _ in pk[skip:]]
    result["key_frames"] = [i for i, (_, _, key) in enumerate(pk[skip:]) if key]
    return result


def boundaries(a_file, b_file, starts, window):
    a, b = (json.load(open(f)) for f in (a_file, b_file))
    n = len(a["psnr_frames"])
    near = set()
    for s in (int(x) for x in starts.split()):
        if s > 0:
            near.update(range(s, min(n, s + int(window))))
    far = [i for i in range(n) if i not in near]

    def mean(values, idx):
        return sum(values[i] for i in idx) / len(idx) if idx else float("nan")

    def total(values, idx):
        return sum(values[i] for i in idx)

    near = sorted(near)
    print(json.dumps({
        "frames_near": len(near), "frames_far": len(far),
        "psnr_near": [mean(a["psnr_frames"], near), mean(b["psnr_frames"], near)],
        "psnr_far": [mean(a["psnr_frames"], far), mean(b["psnr_frames"], far)],
        "bytes_near": [total(a["frame_bytes"], near), total(b["frame_bytes"], near)],
        "bytes_far": [total(a["frame_bytes"], far), total(b["frame_bytes"], far)],
    }))


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"] and len(sys.argv) == 5:
        print(json.dumps(measure(*sys.argv[2:5])))
    elif sys.argv[1:2] == ["boundaries"] and len(sys.argv) == 6:
        boundaries(*sys.argv[2:6])
    else:
        sys.exit(__doc__)
