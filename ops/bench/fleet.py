#!/usr/bin/env python3
"""A fleet of simulated HTTP workers (docs/worker-protocol.md) in one asyncio process, and the measurements of
ops/bench/fleet.sh against one master node.

Each simulated worker listens on an address of its own (127.77.x.y, one port for all) and holds one keep-alive
connection to the master for its registration and its heartbeat every second, as the reference worker does. It
answers add_task at once and does what the instant executor (Transcode:Worker:Executor=instant) does: the output
is a byte copy of the input (a join concatenates its parts), written under a partial name and renamed into place on
the master's storage (on a thread: a slow disk must not delay heartbeats), so the master's own checks, part hashing,
rename and cleanup run unchanged. get_task_info then answers "succeeded". In "hold" mode it answers "running" instead, which keeps every slot busy so that the cost of
polling running attempts can be measured.

  fleet.py --url URL --pid PID --source NAME [--counts 50,200,500] [--slots 2] [--idle 15] [--warmup 15]
           [--window 30] [--hold 15] [--heap-cmd "CMD {pid}"] [--json FILE]

Phases, one master throughout: idle with no worker, then with each count of idle registered workers (master CPU
and memory per worker), then dispatch (jobs fed at most 40 a second up to 16 + slots/2 unfinished; after a warm-up that
waits for the first 32 jobs to end, tasks/s counted from the jobs that completed inside the window, each with its
task count from the job list), then every slot busy
with held attempts (the cost of polling a running attempt).
"""
import argparse
import asyncio
import concurrent.futures
import faulthandler
import datetime
import json
import os
import random
import resource
import shlex
import signal
import socket
import subprocess
import sys
import time

WORKER_TOKEN = "bench-worker-token"
CLIENT_TOKEN = "bench-client-token"
ADMIN_TOKEN = "bench-admin-token"
TICK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(f"[fleet {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- the master's process, from /proc ------------------------------------------------------------------------------

def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def own_cpu():
    t = os.times()
    return t.user + t.system


# ---- a minimal HTTP/1.1 client over one keep-alive connection -------------------------------------------------------

class Conn:
    def __init__(self, host, port, local=None):
        self.host, self.port, self.local = host, port, local
        self.reader = self.writer = None
        self.lock = asyncio.Lock()

    async def _open(self):
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, local_addr=(self.local, 0) if self.local else None)

    async def call(self, method, path, body=None, token=None):
        """(HTTP status, parsed JSON body); one retry on a fresh connection if the kept one was closed."""
        async with self.lock:
            for attempt in (1, 2):
                try:
                    if self.writer is None:
                        await self._open()
                    return await self._exchange(method, path, body, token)
                except (ConnectionError, asyncio.IncompleteReadError, OSError):
                    self.close()
                    if attempt == 2:
                        raise

    async def _exchange(self, method, path, body, token):
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        head += f"Content-Length: {len(data)}\r\n\r\n"
        self.writer.write(head.encode() + data)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            k = k.strip().lower()
            if k == "content-length":
                length = int(v)
            elif k == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
            elif k == "connection" and "close" in v.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            payload = b"".join(parts)
        else:
            payload = await self.reader.readexactly(length or 0)
        if close:
            self.close()
        return status, (json.loads(payload) if payload else {})

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# ---- the simulated workers ------------------------------------------------------------------------------------------

class Fleet:
    def __init__(self, master_host, master_port, port, slots):
        self.master_host, self.master_port, self.port, self.slots = master_host, master_port, port, slots
        self.workers = []
        self.hold = False
        self.forgotten = 0
        self.pool = concurrent.futures.ThreadPoolExecutor(8)
        self.calls = {"add_task": 0, "get_task_info": 0, "cancel_task": 0, "heartbeat": 0}
        self.errors = []
        # The slowest heartbeat answer and the event loop's own worst lag, since the last reset: a heartbeat
        # that the master answers late tells the master's delay from this process's.
        self.slowest_beat = 0.0
        self.loop_lag = 0.0

    async def watch_loop(self):
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(0.05)
            self.loop_lag = max(self.loop_lag, loop.time() - t - 0.05)

    def reset_watch(self):
        worst = (self.slowest_beat, self.loop_lag)
        self.slowest_beat = self.loop_lag = 0.0
        return worst

    def address(self, i):
        return f"127.77.{i // 250}.{i % 250 + 1}"

    async def grow(self, count):
        """Starts workers until there are count; each registers, then heartbeats every second."""
        loop = asyncio.get_running_loop()
        new = []
        while len(self.workers) < count:
            w = Worker(self, self.address(len(self.workers)))
            w.server = await loop.create_server(lambda w=w: WorkerProtocol(w), w.ip, self.port, backlog=64)
            self.workers.append(w)
            new.append(w)
        for w in new:
            w.task = asyncio.create_task(w.run())

    def start(self, t):
        """The attempt's file work, on a thread: a slow disk must not stop the heartbeats of every worker."""
        t.started = True

        def done(f):
            if t.state == 1:  # not cancelled meanwhile
                t.state, t.result, t.error = f.result()
        asyncio.get_running_loop().run_in_executor(self.pool, run_instantly, t.task).add_done_callback(done)

    def error(self, text):
        if len(self.errors) < 20:
            self.errors.append(text)
            log(text)


class Worker:
    def __init__(self, fleet, ip):
        self.fleet, self.ip = fleet, ip
        self.id = None
        self.tasks = {}  # task id -> Attempt
        self.conn = Conn(fleet.master_host, fleet.master_port)
        self.registered = asyncio.Event()

    async def register(self):
        body = {"type": 0, "ip": self.ip, "port": self.fleet.port, "state": 0, "slots": self.fleet.slots}
        while True:
            try:
                _, answer = await self.conn.call("POST", "/master/register_worker", body, WORKER_TOKEN)
                if answer.get("err_code") == 0:
                    self.id = answer["worker_id"]
                    self.registered.set()
                    return
                self.fleet.error(f"register_worker {self.ip}: {answer}")
            except OSError as e:
                self.fleet.error(f"register_worker {self.ip}: {e}")
            await asyncio.sleep(2)

    async def run(self):
        await self.register()
        loop = asyncio.get_running_loop()
        # Spread over the second, as independent workers would be.
        await asyncio.sleep(random.random())
        due = loop.time()
        while True:
            state = 1 if sum(1 for t in self.tasks.values() if t.state < 2) >= self.fleet.slots else 0
            try:
                sent = loop.time()
                _, answer = await self.conn.call("POST", "/master/worker_heartbeat",
                                                 {"type": 0, "worker_id": self.id, "worker_state": state}, WORKER_TOKEN)
                self.fleet.slowest_beat = max(self.fleet.slowest_beat, loop.time() - sent)
                self.fleet.calls["heartbeat"] += 1
                if answer.get("err_code") == -7:
                    # Forgotten by the master: stop everything (nothing runs here) and register again.
                    self.fleet.forgotten += 1
                    self.fleet.error(f"worker {self.id} ({self.ip}) was forgotten by the master: registering again")
                    for t in self.tasks.values():
                        if t.state < 2:
                            t.state = 4
                    await self.register()
                elif answer.get("err_code") != 0:
                    self.fleet.error(f"heartbeat {self.id}: {answer}")
            except OSError as e:
                self.fleet.error(f"heartbeat {self.id}: {e}")
            due += 1.0
            await asyncio.sleep(max(0.0, due - loop.time()))

    def handle(self, path, body):
        if path == "/worker/add_task":
            self.fleet.calls["add_task"] += 1
            task = json.loads(body)["task"]
            known = self.tasks.get(task["id"])
            if known and known.attempt >= task["attempt"]:
                return 200, ok()
            if sum(1 for t in self.tasks.values() if t.state < 2) >= self.fleet.slots:
                return 409, fail(-8, "no free slot")
            t = self.tasks[task["id"]] = Attempt(task)
            if not self.fleet.hold:
                self.fleet.start(t)
            return 200, ok()
        if path.startswith("/worker/get_task_info"):
            self.fleet.calls["get_task_info"] += 1
            task_id = json.loads(body)["task_id"]
            t = self.tasks.get(task_id)
            if t is None:
                return 404, fail(-7, f"no task {task_id}")
            if t.state == 1 and not t.started and not self.fleet.hold:
                self.fleet.start(t)  # held until now
            info = {"id": task_id, "attempt": t.attempt, "state": t.state, "progress": 100 if t.state == 2 else 50}
            if t.state == 1:
                info["speed"] = 1.0
            if t.state in (2, 3):
                info["result"] = t.result
            if t.state == 3:
                info["err_msg"] = t.error
            return 200, ok(task=info)
        if path == "/worker/cancel_task":
            self.fleet.calls["cancel_task"] += 1
            t = self.tasks.get(json.loads(body)["task_id"])
            if t is None:
                return 404, fail(-7, "no such task")
            if t.state < 2:
                t.state = 4
            return 200, ok()
        return 404, fail(-7, f"no route {path}")


class Attempt:
    __slots__ = ("task", "attempt", "state", "result", "error", "started")

    def __init__(self, task):
        self.task, self.attempt, self.state = task, task["attempt"], 1
        self.result = self.error = None
        self.started = False


def ok(**fields):
    return {"type": 1, "error_code": 0, "err_code": 0, "err_msg": "ok", **fields}


def fail(code, msg):
    return {"type": 1, "error_code": code, "err_code": code, "err_msg": msg}


def run_instantly(task):
    """The instant executor's work: (state, result, err_msg) of the attempt once its output is in place."""
    if task["kind"] == "join":
        inputs = [p["filename"] for p in task.get("parts") or []]
        if task.get("audio_part"):
            inputs.append(task["audio_part"]["filename"])
    else:
        inputs = [task["src_filename"]]
    target = os.path.join(task["dst_dir"], task["dst_filename"])
    partial = f"{target}.partial-{random.getrandbits(32):08x}"
    try:
        os.makedirs(task["dst_dir"], exist_ok=True)
        with open(partial, "wb") as out:
            for name in inputs:
                with open(name, "rb") as src:
                    out.write(src.read())
        os.replace(partial, target)
        return 2, 0, None
    except OSError as e:
        try:
            os.unlink(partial)
        except OSError:
            pass
        return 3, -1, f"cannot write the task's files: {e}"


class WorkerProtocol(asyncio.Protocol):
    """The worker's HTTP server: Content-Length bodies (the master never sends chunked ones), keep-alive."""

    def __init__(self, worker):
        self.worker = worker
        self.buf = b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buf[:end].decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            length, authorized = 0, False
            for line in lines[1:]:
                k, _, v = line.partition(":")
                k = k.strip().lower()
                if k == "content-length":
                    length = int(v)
                elif k == "authorization":
                    authorized = v.strip() == f"Bearer {WORKER_TOKEN}"
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4:end + 4 + length]
            self.buf = self.buf[end + 4 + length:]
            if not authorized:
                status, answer = 401, fail(-5, "a worker token is required")
            else:
                try:
                    status, answer = self.worker.handle(path.split("?")[0], body)
                except (ValueError, KeyError, TypeError) as e:
                    status, answer = 400, fail(-2, f"bad request: {e}")
                    self.worker.fleet.error(f"{path}: {e}")
            payload = json.dumps(answer).encode()
            self.transport.write(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                                 % (status, len(payload)) + payload)


# ---- the measurements ---------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, a):
        self.a = a
        u = a.url.split("//", 1)[1].rstrip("/")
        self.host, port = u.split(":")
        self.mport = int(port)
        self.api = Conn(self.host, self.mport)
        self.results = {"phases": []}

    async def get(self, path, token=CLIENT_TOKEN):
        sep = "&" if "?" in path else "?"
        _, answer = await self.api.call("GET", f"{path}{sep}token={token}")
        return answer

    async def workers(self):
        return await self.get("/admin/workers", ADMIN_TOKEN)

    async def wait_registered(self, count):
        for _ in range(600):
            w = await self.workers()
            if w.get("count") == count and sum(x["slots"] for x in w["workers"]) == count * self.a.slots:
                return
            await asyncio.sleep(0.1)
        raise SystemExit(f"the registry did not count {count} workers within 60 s")

    async def settle(self, quiet=None, limit=15.0):
        """Until the master's CPU holds steady (two seconds in a row within 3 % of a core), and, given quiet, is
        under it: a node just started compiles, a fleet just registered leaves a burst behind."""
        start = time.monotonic()
        prev = None
        while time.monotonic() - start < limit:
            c0 = cpu_seconds(self.a.pid)
            await asyncio.sleep(1.0)
            use = cpu_seconds(self.a.pid) - c0
            if prev is not None and abs(use - prev) < 0.03 and (quiet is None or use < quiet):
                return
            prev = use

    async def heap(self):
        """The master's live heap in MB (the command forces a full GC), run without stopping the fleet's loop."""
        if not self.a.heap_cmd:
            return None
        cmd = shlex.split(self.a.heap_cmd.replace("{pid}", str(self.a.pid)))
        try:
            proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE,
                                                        stderr=asyncio.subprocess.DEVNULL)
            out, _ = await asyncio.wait_for(proc.communicate(), 90)
            return float(out.decode().strip().splitlines()[-1])
        except (asyncio.TimeoutError, OSError, ValueError, IndexError) as e:
            log(f"live heap not measured: {e!r}")
            return None

    async def measure_cpu(self, seconds):
        self.fleet.reset_watch()
        c0, f0, t0 = cpu_seconds(self.a.pid), own_cpu(), time.monotonic()
        await asyncio.sleep(seconds)
        dt = time.monotonic() - t0
        self.watch = self.fleet.reset_watch()
        return (cpu_seconds(self.a.pid) - c0) / dt, (own_cpu() - f0) / dt, dt

    def lags(self):
        """The slowest heartbeat answer and the fleet loop's worst lag during the last measurement."""
        return {"slowest_heartbeat_s": round(self.watch[0], 3), "fleet_loop_lag_s": round(self.watch[1], 3)}

    async def idle_phase(self, fleet, count):
        await fleet.grow(count)
        if count:
            await self.wait_registered(count)
        await self.settle(quiet=None if count else 0.05)
        # The heap is read first: its full GC leaves the memory the measurement below starts from.
        heap = await self.heap()
        await asyncio.sleep(1.0)
        beats0 = fleet.calls["heartbeat"]
        master, own, dt = await self.measure_cpu(self.a.idle)
        rss = rss_mb(self.a.pid)
        beats = (fleet.calls["heartbeat"] - beats0) / dt
        p = {"phase": "idle", "workers": count, "master_cpu": round(master, 4), "fleet_cpu": round(own, 4),
             "heartbeats_per_s": round(beats, 1), "rss_mb": round(rss, 1), "heap_mb": heap, "seconds": round(dt, 1), **self.lags()}
        self.results["phases"].append(p)
        log(f"idle, {count} workers: master {master * 100:.1f} % of a core, {beats:.0f} heartbeats/s, "
            f"RSS {rss:.0f} MB, live heap {heap if heap is not None else '-'} MB (fleet process {own * 100:.0f} %)")

    async def submit(self, conn, n):
        body = {"type": 0, "job": {"src_filename": self.a.source, "dst_dir": f"fleet-out/{n % 64:03d}",
                                   "dst_format": "mp4", "video_codec": "h264", "overwrite": True}}
        _, answer = await conn.call("POST", f"/master/add_job?token={CLIENT_TOKEN}", body)
        if answer.get("err_code") != 0:
            raise SystemExit(f"add_job refused a job: {answer}")

    async def ended(self):
        total = 0
        for state in (3, 4, 5):
            total += (await self.get(f"/master/get_jobs?limit=1&state={state}"))["total"]
        return total

    async def feeder(self, target, stop):
        """Keeps about target jobs unfinished (by the job list) until stop is set."""
        conns = [Conn(self.host, self.mport) for _ in range(8)]
        self.submitted = getattr(self, "submitted", 0)
        while not stop.is_set():
            # At most 40 jobs/s (over 500 tasks/s), as clients would send them: hundreds of add_jobs at once start
            # every shard together, and on a slow disk their recovery reads time out (shard-start-timeout) in the
            # middle of the burst of writes.
            missing = min(8, target - (self.submitted - await self.ended()))
            if missing > 0:
                batch = list(range(self.submitted, self.submitted + missing))
                self.submitted += missing
                for i in range(0, len(batch), len(conns)):
                    await asyncio.gather(*(self.submit(c, n) for c, n in zip(conns, batch[i:i + len(conns)])))
            await asyncio.sleep(0.2)
        for c in conns:
            c.close()

    async def hold_phase(self, fleet):
        """Every slot busy with an attempt the worker reports running: what polling them costs."""
        slots = len(fleet.workers) * self.a.slots
        fleet.hold = True
        stop = asyncio.Event()
        feeding = asyncio.create_task(self.feeder(max(8, slots // 4), stop))
        for _ in range(600):
            w = await self.workers()
            if sum(len(x["tasks"]) for x in w["workers"]) >= slots and w["queue_length"] > 0:
                break
            await asyncio.sleep(0.2)
        else:
            raise SystemExit(f"the slots were not all busy within 120 s: {sum(len(x['tasks']) for x in w['workers'])} of {slots}")
        stop.set()
        await feeding
        await self.settle()
        polls0 = fleet.calls["get_task_info"]
        master, own, dt = await self.measure_cpu(self.a.hold)
        polls = (fleet.calls["get_task_info"] - polls0) / dt
        p = {"phase": "busy", "workers": len(fleet.workers), "running_attempts": slots, "master_cpu": round(master, 4),
             "fleet_cpu": round(own, 4), "polls_per_s": round(polls, 1), "rss_mb": round(rss_mb(self.a.pid), 1),
             "seconds": round(dt, 1), **self.lags()}
        self.results["phases"].append(p)
        log(f"busy, {slots} attempts running on {len(fleet.workers)} workers: master {master * 100:.1f} % of a core, "
            f"{polls:.0f} get_task_info/s (fleet process {own * 100:.0f} %)")

    async def dispatch_phase(self, fleet):
        slots = len(fleet.workers) * self.a.slots
        stop = asyncio.Event()
        # Enough jobs unfinished that the queue never runs dry, few enough that the drain after the window is short.
        feeding = asyncio.create_task(self.feeder(16 + slots // 2, stop))
        forgotten0 = fleet.forgotten
        # A fresh master starts its job and task shards with the first jobs, each one reading the journal: on a slow
        # disk that takes tens of seconds, and no job completes meanwhile. The warm-up lasts until a first wave of
        # jobs has ended (90 s at most), then the given seconds more for the flow to settle.
        first = await self.ended()
        for _ in range(450):
            if await self.ended() - first >= 32:
                break
            await asyncio.sleep(0.2)
        wm, _, _ = await self.measure_cpu(self.a.warmup)
        warm = {"warmup_master_cpu": round(wm, 4), "warmup_slowest_heartbeat_s": round(self.watch[0], 3),
                "warmup_fleet_loop_lag_s": round(self.watch[1], 3), "warmup_workers_forgotten": fleet.forgotten - forgotten0}
        log(f"warm-up: master {wm * 100:.0f} % of a core, slowest heartbeat answer {self.watch[0]:.2f} s, "
            f"fleet loop lag {self.watch[1]:.2f} s, {warm['warmup_workers_forgotten']} workers forgotten")
        forgotten0 = fleet.forgotten
        w0 = datetime.datetime.now(datetime.timezone.utc)
        calls0 = dict(fleet.calls)
        sampling = asyncio.create_task(self.sample_registry())
        master, own, dt = await self.measure_cpu(self.a.window)
        w1 = datetime.datetime.now(datetime.timezone.utc)
        sampling.cancel()
        queue = sum(self.samples_queue) / max(1, len(self.samples_queue))
        running = sum(self.samples_running) / max(1, len(self.samples_running))
        stop.set()
        await feeding
        # Drain: every submitted job must end, and end completed.
        for _ in range(450):
            if await self.ended() >= self.submitted:
                break
            await asyncio.sleep(0.2)
        else:
            log(f"{self.submitted - await self.ended()} jobs had not ended 90 s after the window")
        failed = (await self.get("/master/get_jobs?limit=5&state=4"))
        if failed["total"]:
            raise SystemExit(f"{failed['total']} jobs failed, e.g. {[j.get('err_msg') for j in failed['jobs']]}")
        jobs, tasks = await self.completed_between(w0, w1)
        rate = tasks / dt
        adds = (fleet.calls["add_task"] - calls0["add_task"]) / dt
        p = {"phase": "dispatch", "workers": len(fleet.workers), "slots": slots, "seconds": round(dt, 1),
             "jobs": jobs, "tasks": tasks, "tasks_per_s": round(rate, 1), "jobs_per_s": round(jobs / dt, 2),
             "tasks_per_job": round(tasks / jobs, 2) if jobs else None, "add_task_per_s": round(adds, 1),
             "master_cpu": round(master, 4), "fleet_cpu": round(own, 4),
             "master_cpu_ms_per_task": round(master * 1000 / rate, 2) if rate else None,
             "mean_queue": round(queue, 1), "mean_running": round(running, 1), "rss_mb": round(rss_mb(self.a.pid), 1), **self.lags(),
             "workers_forgotten": fleet.forgotten - forgotten0, **warm}
        self.results["phases"].append(p)
        log(f"dispatch on {slots} slots: {rate:.0f} tasks/s ({jobs} jobs of {p['tasks_per_job']} tasks completed in "
            f"{dt:.0f} s), master {master * 100:.0f} % of a core = {p['master_cpu_ms_per_task']} ms CPU per task; "
            f"on average {running:.0f} of {slots} slots busy and {queue:.0f} tasks queued (fleet process {own * 100:.0f} %)")
        if queue < 1 and running < 0.9 * slots:
            log("neither the slots nor the queue were full: the rate is bounded by how long each job's path takes "
                "(journal writes, one poll a second), not by the registry's handing out")

    async def sample_registry(self):
        """The registry's queue length and running attempts every 2 s of the window."""
        self.samples_queue, self.samples_running = [], []
        while True:
            await asyncio.sleep(2)
            w = await self.workers()
            self.samples_queue.append(w["queue_length"])
            self.samples_running.append(sum(len(x["tasks"]) for x in w["workers"]))

    async def completed_between(self, w0, w1):
        """Jobs completed inside the window and their tasks, from the job list (newest first)."""
        jobs = tasks = 0
        start = 0
        while True:
            page = await self.get(f"/master/get_jobs?state=3&limit=1000&start_index={start}&order=desc")
            for j in page["jobs"]:
                at = datetime.datetime.fromisoformat(j["updated_at"].replace("Z", "+00:00"))
                if w0 <= at < w1:
                    jobs += 1
                    tasks += j["tasks"]["count"]
            start += page["num_jobs"]
            if not page["jobs"] or start >= page["total"]:
                return jobs, tasks
            last = datetime.datetime.fromisoformat(page["jobs"][-1]["updated_at"].replace("Z", "+00:00"))
            if last < w0:
                return jobs, tasks

    async def run(self):
        # Three descriptors a worker (its listener, the master's connection to it, its own to the master).
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        counts = [int(c) for c in self.a.counts.split(",") if c.strip()]
        port = free_port(self.a.port)
        fleet = self.fleet = Fleet(self.host, self.mport, port, self.a.slots)
        asyncio.create_task(fleet.watch_loop())
        t0 = time.monotonic()
        await self.idle_phase(fleet, 0)
        for c in counts:
            await self.idle_phase(fleet, c)
        # Dispatch before busy: releasing a thousand held attempts at once would be a burst of journal writes no
        # steady fleet makes, and the dispatch window would start in its wake.
        await self.dispatch_phase(fleet)
        if self.a.hold > 0:
            await self.settle()
            await self.hold_phase(fleet)
        self.results["fleet"] = {"slots_per_worker": self.a.slots, "errors": fleet.errors, "calls": fleet.calls}
        self.results["summary"] = summarize(self.results["phases"])
        self.results["seconds"] = round(time.monotonic() - t0, 1)
        if fleet.errors:
            log(f"{len(fleet.errors)} errors in the fleet, e.g. {fleet.errors[:3]}")
        return self.results


def summarize(phases):
    idle = [p for p in phases if p["phase"] == "idle"]
    base = next(p for p in idle if p["workers"] == 0)
    s = {"per_worker": []}
    # Slopes over every idle count (0 included): steadier than any one difference on a noisy machine.
    xs = [p["workers"] for p in idle]
    if len(set(xs)) > 1:
        s["fit_cpu_pct_per_100_workers"] = round(slope(xs, [p["master_cpu"] for p in idle]) * 100 * 100, 2)
        s["fit_rss_kb_per_worker"] = round(slope(xs, [p["rss_mb"] for p in idle]) * 1024, 1)
        if all(p.get("heap_mb") is not None for p in idle):
            s["fit_heap_kb_per_worker"] = round(slope(xs, [p["heap_mb"] for p in idle]) * 1024, 1)
    for p in idle:
        if p["workers"]:
            d = {"workers": p["workers"],
                 "cpu_pct_per_100_workers": round((p["master_cpu"] - base["master_cpu"]) * 100 * 100 / p["workers"], 2),
                 "rss_kb_per_worker": round((p["rss_mb"] - base["rss_mb"]) * 1024 / p["workers"], 1)}
            if p.get("heap_mb") is not None and base.get("heap_mb") is not None:
                d["heap_kb_per_worker"] = round((p["heap_mb"] - base["heap_mb"]) * 1024 / p["workers"], 1)
            s["per_worker"].append(d)
    busy = next((p for p in phases if p["phase"] == "busy"), None)
    if busy:
        same = next((p for p in idle if p["workers"] == busy["workers"]), base)
        s["cpu_pct_per_100_running_attempts"] = round(
            (busy["master_cpu"] - same["master_cpu"]) * 100 * 100 / busy["running_attempts"], 2)
    d = next(p for p in phases if p["phase"] == "dispatch")
    s["tasks_per_s"] = d["tasks_per_s"]
    s["master_cpu_ms_per_task"] = d["master_cpu_ms_per_task"]
    return s


def slope(xs, ys):
    """Least-squares slope of ys against xs."""
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def free_port(wanted):
    if wanted:
        return wanted
    s = socket.socket()
    s.bind(("127.77.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def table(r):
    lines = ["phase      workers  master CPU   RSS MB  heap MB  what"]
    for p in r["phases"]:
        what = {"idle": lambda: f"{p['heartbeats_per_s']:.0f} heartbeats/s",
                "busy": lambda: f"{p['running_attempts']} attempts running, {p['polls_per_s']:.0f} polls/s",
                "dispatch": lambda: f"{p['tasks_per_s']:.0f} tasks/s ({p['tasks_per_job']} per job), "
                                    f"{p['master_cpu_ms_per_task']} ms master CPU per task"}[p["phase"]]()
        heap = p.get("heap_mb")
        lines.append(f"{p['phase']:<10} {p['workers']:>7}  {p['master_cpu'] * 100:7.1f} %  {p['rss_mb']:7.0f}  "
                     f"{heap if heap is not None else '-':>7}  {what} (fleet process {p['fleet_cpu'] * 100:.0f} %)")
    s = r["summary"]
    for d in s["per_worker"]:
        lines.append(f"per idle worker ({d['workers']}): {d['cpu_pct_per_100_workers']:.2f} % of a core per 100 workers, "
                     f"RSS {d['rss_kb_per_worker']:.0f} KB, heap {d.get('heap_kb_per_worker', '-')} KB")
    if "fit_cpu_pct_per_100_workers" in s:
        lines.append(f"fitted over every idle count: {s['fit_cpu_pct_per_100_workers']:.2f} % of a core per 100 workers, "
                     f"RSS {s['fit_rss_kb_per_worker']:.0f} KB, heap {s.get('fit_heap_kb_per_worker', '-')} KB per worker")
    if "cpu_pct_per_100_running_attempts" in s:
        lines.append(f"per running attempt: {s['cpu_pct_per_100_running_attempts']:.2f} % of a core per 100 attempts")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--pid", type=int, required=True, help="the master node's process")
    p.add_argument("--source", required=True, help="the jobs' source, relative to the master's media root")
    p.add_argument("--counts", default="50,200,500", help="idle fleet sizes measured, in rising order")
    p.add_argument("--slots", type=int, default=2, help="slots of each simulated worker")
    p.add_argument("--idle", type=float, default=15, help="seconds of each idle measurement")
    p.add_argument("--hold", type=float, default=15, help="seconds of the busy measurement (0: none)")
    p.add_argument("--warmup", type=float, default=15)
    p.add_argument("--window", type=float, default=30)
    p.add_argument("--port", type=int, default=0, help="the workers' port (default: a free one)")
    p.add_argument("--heap-cmd", default="", help="prints the master's live heap in MB; {pid} is replaced")
    p.add_argument("--json", default="")
    a = p.parse_args()
    # kill -USR1 <fleet.py> prints where its loop is: a stalled fleet would be measured as a stalled master.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    r = asyncio.run(Bench(a).run())
    print(table(r))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(r, f, indent=1)


if __name__ == "__main__":
    main()
