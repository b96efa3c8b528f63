#!/usr/bin/env python3
"""The benchmarks' HTTP client: one process per job, so starting curl for every poll does not steal the CPU that
ffmpeg is being measured on.

  client.py run   BASE_URL JOB_JSON   submit the job, wait until it ends; print "<state> <tasks> <seconds>
                                      <workers that ran its tasks> <attempts beyond the first>"; with
                                      BENCH_JOB_DETAIL=FILE in the environment, the job's task_list goes to FILE
  client.py slots BASE_URL N          wait until the worker registry counts N slots (60 s at most)
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

CLIENT_TOKEN = "bench-client-token"
ADMIN_TOKEN = "bench-admin-token"


def call(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data)) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as e:
        # Error answers carry the API's own err_code and err_msg.
        sys.exit(f"{url.split('?')[0]}: HTTP {e.code}: {e.read().decode(errors='replace')}")


def run(base, job):
    job = json.loads(job)
    started = time.perf_counter()
    added = call(f"{base}/master/add_job?token={CLIENT_TOKEN}", {"type": 0, "job": job})
    if added.get("err_code") != 0:
        sys.exit(f"add_job refused the job: {added}")
    job_id = added["job_id"]
    while True:
        j = call(f"{base}/master/get_job?token={CLIENT_TOKEN}&job_id={job_id}")["job"]
        if j["state"] >= 3:
            seconds = time.perf_counter() - started
            # After the clock: which workers ran the tasks, and whether any task needed a second attempt.
            tasks = call(f"{base}/master/get_job?token={CLIENT_TOKEN}", {"type": 0, "job_id": job_id, "detail": True})
            tasks = tasks["job"].get("task_list", [])
            if os.environ.get("BENCH_JOB_DETAIL"):
                with open(os.environ["BENCH_JOB_DETAIL"], "w") as f:
                    json.dump(tasks, f)
            workers = len({t.get("worker_id") for t in tasks if t.get("worker_id")})
            retries = sum(max(0, t.get("attempts", 1) - 1) for t in tasks)
            print(j["state"], j["tasks"]["count"], f"{seconds:.3f}", workers, retries)
            if j["state"] != 3:
                print(f"job {job_id}: {j.get('err_msg', '')}", file=sys.stderr)
            return
        # How soon the end is noticed is part of what is measured: poll often near the end (and in a short job),
        # rarely while a long encode has far to go, so the node is not kept busy answering.
        eta = j.get("eta_seconds")
        time.sleep(0.02 if eta is None else min(0.25, max(0.02, eta / 10)))


def slots(base, wanted):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            answer = call(f"{base}/admin/workers?token={ADMIN_TOKEN}")
            if sum(w["slots"] for w in answer.get("workers", [])) == int(wanted):
                return
        except (OSError, SystemExit):
            pass  # not answering yet
        time.sleep(0.25)
    sys.exit(f"the worker registry did not count {wanted} slots within 60 s")


if __name__ == "__main__":
    {"run": run, "slots": slots}[sys.argv[1]](*sys.argv[2:])
