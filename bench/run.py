#!/usr/bin/python3
"""Side-by-side benchmark: nmq against Debian's mosquitto, same scenarios, same load generator.

Each scenario starts a fresh broker on a free loopback port (so a backlog left by one scenario
cannot slow the next), runs `nanomq_cli bench sub` and `nanomq_cli bench pub` against it, and
stops it. Memory is read from /proc/<pid>/status (VmRSS). The result is one table:
scenario | nmq | mosquitto | ratio (nmq / mosquitto).

    /usr/bin/python3 bench/run.py --nmq build/release/nanomq --cli build/release/nanomq_cli
    /usr/bin/python3 bench/run.py --nmq none --only fan-in,latency     # mosquitto alone

See bench/README.md for the scenarios and the broker settings.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILDREN = []  # every process we started, for cleanup


# ----------------------------------------------------------------------------------------------
# processes

class Proc:
    """A child process whose stderr is drained by a thread; `ready` is set on the line the
    bench tools print once every connection is up (subscribers: subscribed)."""

    def __init__(self, argv, stdout=subprocess.PIPE, log=None):
        self.argv = argv
        self.ready = threading.Event()
        self.err_lines = []
        self.p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, text=True)
        CHILDREN.append(self)
        self._log = log
        self._t = threading.Thread(target=self._drain, daemon=True)
        self._t.start()

    def _drain(self):
        for line in self.p.stderr:
            self.err_lines.append(line.rstrip("\n"))
            if self._log:
                self._log.write(line)
                self._log.flush()
            if line.startswith("ready:"):
                self.ready.set()
        self.ready.set()  # exited: stop waiting

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def wait_ready(self, timeout):
        if not self.ready.wait(timeout) or not self.alive():
            raise RuntimeError("not ready: %s\n%s" % (" ".join(self.argv), self.stderr_tail()))

    def stderr_tail(self, n=15):
        return "\n".join(self.err_lines[-n:])

    def result(self, timeout):
        """Waits for exit and returns the JSON line the bench tool printed."""
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
        out = self.p.stdout.read() if self.p.stdout else ""
        self._t.join(timeout=2)
        for line in (out or "").splitlines():
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError("no result from %s (exit %s)\n%s"
                           % (" ".join(self.argv), self.p.returncode, self.stderr_tail()))

    def stop(self, sig=signal.SIGTERM, grace=3.0):
        if self.p.poll() is None:
            try:
                self.p.send_signal(sig)
                self.p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
            except ProcessLookupError:
                pass


def cleanup():
    for c in CHILDREN:
        try:
            c.stop(grace=2.0)
        except Exception:
            pass


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else hard
    if want and hard != resource.RLIM_INFINITY and hard < want:
        print("warning: the fd hard limit is %d; %d connections need more" % (hard, want),
              file=sys.stderr)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))  # children inherit it


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not proc.alive():
            raise RuntimeError("broker exited (code %s):\n%s" % (proc.p.returncode, proc.stderr_tail()))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("broker did not listen on port %d" % port)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# ----------------------------------------------------------------------------------------------
# brokers

def make_certs(workdir):
    """A CA and a server certificate for 127.0.0.1, made with openssl for this run."""
    d = os.path.join(workdir, "certs")
    os.makedirs(d, exist_ok=True)

    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=bench CA")
    with open(os.path.join(d, "san.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.cnf")
    # mosquitto started as root reads them as its own user (mosquitto): throwaway files of a
    # loopback benchmark, readable by all.
    os.chmod(workdir, 0o755)
    os.chmod(d, 0o755)
    for f in os.listdir(d):
        os.chmod(os.path.join(d, f), 0o644)
    return {k: os.path.join(d, f) for k, f in
            (("ca", "ca.pem"), ("cert", "server.pem"), ("key", "server.key"))}


TRANSPORTS = ("tcp", "tls", "ws", "wss")


class Broker:
    """A broker with four listeners on 127.0.0.1: MQTT over TCP, TLS (RSA 2048 certificate),
    WebSocket and WebSocket over TLS."""
    name = ""

    def __init__(self, binary, workdir, certs):
        self.binary = binary
        self.workdir = workdir
        self.certs = certs
        self.proc = None
        self.port = None
        self.ports = {}

    def start(self):
        self.ports = {t: free_port() for t in TRANSPORTS}
        self.port = self.ports["tcp"]
        argv = self.argv(self.write_conf(self.ports))
        log = open(os.path.join(self.workdir, "%s-%d.log" % (self.name, self.port)), "w")
        self.proc = Proc(argv, stdout=log, log=log)
        for port in self.ports.values():
            wait_port(port, self.proc)
        time.sleep(0.2)  # let start-up allocations settle before anyone reads RSS

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None

    def rss_kb(self):
        return rss_kb(self.proc.pid)


class Nmq(Broker):
    name = "nmq"

    def write_conf(self, ports):
        path = os.path.join(self.workdir, "nmq-%d.conf" % ports["tcp"])
        c = self.certs
        with open(path, "w") as f:
            # Queues as large as mosquitto's below, so neither drops what the other keeps.
            f.write('mqtt {\n    max_mqueue_len = 100000\n    max_inflight_window = 1024\n}\n'
                    'listeners.tcp {\n    bind = "127.0.0.1:%d"\n}\n'
                    'listeners.ssl {\n    bind = "127.0.0.1:%d"\n    keyfile = "%s"\n'
                    '    certfile = "%s"\n    cacertfile = "%s"\n}\n'
                    'listeners.ws {\n    bind = "127.0.0.1:%d/mqtt"\n}\n'
                    'listeners.wss {\n    bind = "127.0.0.1:%d/mqtt"\n}\n'
                    'auth {\n    allow_anonymous = true\n}\n'
                    % (ports["tcp"], ports["tls"], c["key"], c["cert"], c["ca"], ports["ws"],
                       ports["wss"]))
        return path

    def argv(self, conf):
        return [self.binary, "start", "--conf", conf]


class Mosquitto(Broker):
    name = "mosquitto"

    def write_conf(self, ports):
        path = os.path.join(self.workdir, "mosquitto-%d.conf" % ports["tcp"])
        c = self.certs
        tls = "cafile %s\ncertfile %s\nkeyfile %s\n" % (c["ca"], c["cert"], c["key"])
        with open(path, "w") as f:
            # Debian's mosquitto 2.0.11 has WebSocket support (libwebsockets 4.1, built in);
            # it opens a WebSocket listener only beside a plain one, which we have.
            f.write("per_listener_settings false\n"
                    "listener %d 127.0.0.1\n"
                    "listener %d 127.0.0.1\n%s"
                    "listener %d 127.0.0.1\nprotocol websockets\n"
                    "listener %d 127.0.0.1\nprotocol websockets\n%s"
                    % (ports["tcp"], ports["tls"], tls, ports["ws"], ports["wss"], tls))
            f.write("allow_anonymous true\n"
                    "persistence false\n"
                    # The defaults (1000 queued, 20 inflight) would drop QoS 1 messages and
                    # throttle delivery where nmq does not: same bounds as nmq's config.
                    "max_queued_messages 100000\n"
                    "max_inflight_messages 1024\n"
                    "max_connections -1\n"
                    # nmq sets TCP_NODELAY; without it mosquitto's latency would suffer Nagle.
                    "set_tcp_nodelay true\n"
                    "log_dest stderr\n"
                    "log_type error\n"
                    "log_type warning\n")
        return path

    def argv(self, conf):
        return [self.binary, "-c", conf]


# ----------------------------------------------------------------------------------------------
# scenarios: each returns {metric name: (value, unit, higher_is_better)}

class Bench:
    def __init__(self, cli, duration, threads, conns, certs):
        self.cli = cli
        self.duration = duration
        self.threads = threads
        self.conns = conns
        self.certs = certs

    def tool(self, mode, broker, args, transport="tcp"):
        flags = {"tcp": [], "tls": ["--tls", "--cafile", self.certs["ca"]], "ws": ["--ws"],
                 "wss": ["--ws", "--tls", "--cafile", self.certs["ca"]]}[transport]
        return [self.cli, "bench", mode, "-p", str(broker.ports[transport]), "-T",
                str(self.threads), "--json", "--quiet"] + flags + [str(a) for a in args]

    def pub_sub(self, broker, sub_args, pub_args, duration=None, transport="tcp"):
        """Subscribers first (until subscribed), then publishers for `duration` seconds. The
        subscribers stop 1.5 s after the last message, or 2 s after the publishers' end at the
        latest, so a broker with a backlog cannot stretch the run."""
        d = duration or self.duration
        sub = Proc(self.tool("sub", broker, sub_args + ["-d", d + 2, "--idle-exit", 1.5],
                             transport))
        sub.wait_ready(60)
        pub = Proc(self.tool("pub", broker, pub_args + ["-d", d], transport))
        p = pub.result(timeout=d + 30)
        s = sub.result(timeout=d + 30)
        return p, s

    @staticmethod
    def order(s):
        return "%d lost, %d out of order, %d dup" % (s["lost"], s["out_of_order"], s["duplicates"])

    def fan_in(self, b):
        _, s = self.pub_sub(b, ["-c", 1, "-t", "fanin/#", "-q", 0],
                            ["-c", 100, "-t", "fanin/%i", "-q", 0, "-s", 64])
        return {"fan-in 100->1, QoS 0 (msg/s)": (s["msg_per_s"], True, self.order(s))}

    @staticmethod
    def over(transport):
        return "" if transport == "tcp" else {"tls": "TLS: ", "ws": "WebSocket: ",
                                              "wss": "WebSocket+TLS: "}[transport]

    def pairs(self, b, qos, transport="tcp"):
        _, s = self.pub_sub(b, ["-c", 50, "-t", "pair/%i", "-q", qos],
                            ["-c", 50, "-t", "pair/%i", "-q", qos, "-s", 64], transport=transport)
        return {"%s50 pairs, QoS %d (msg/s)" % (self.over(transport), qos):
                (s["msg_per_s"], True, self.order(s))}

    def fan_out(self, b):
        _, s = self.pub_sub(b, ["-c", 200, "-t", "fanout", "-q", 0],
                            ["-c", 1, "-t", "fanout", "-q", 0, "-s", 64, "-R", 2000])
        note = self.order(s)
        return {
            "fan-out 1->200 @2,000 msg/s, delivered (msg/s)": (s["msg_per_s"], True, note),
            "fan-out 1->200 @2,000 msg/s, p99 (ms)": (s["lat_us"]["p99"] / 1000, False, note),
        }

    def large(self, b, transport="tcp"):
        _, s = self.pub_sub(b, ["-c", 10, "-t", "large/%i", "-q", 0],
                            ["-c", 10, "-t", "large/%i", "-q", 0, "-s", 65536],
                            transport=transport)
        return {"%s64 KiB payloads, 10 pairs, QoS 0 (MB/s)" % self.over(transport):
                (s["mb_per_s"], True, self.order(s))}

    def latency(self, b, transport="tcp"):
        _, s = self.pub_sub(b, ["-c", 1, "-t", "lat", "-q", 1],
                            ["-c", 1, "-t", "lat", "-q", 1, "-s", 64, "-R", 1000],
                            transport=transport)
        note = self.order(s)
        over = self.over(transport)
        return {
            "%s1,000 msg/s QoS 1, p50 (us)" % over: (s["lat_us"]["p50"], False, note),
            "%s1,000 msg/s QoS 1, p99 (us)" % over: (s["lat_us"]["p99"], False, note),
        }

    def idle(self, b, transport="tcp", conns=None):
        conns = conns or self.conns
        idle = b.rss_kb()
        conn = Proc(self.tool("conn", b, ["-c", conns, "-d", 600, "-k", 600], transport))
        conn.wait_ready(300)
        time.sleep(1.0)
        loaded = b.rss_kb()
        conn.stop(signal.SIGINT, grace=10)
        r = conn.result(timeout=10)
        per_conn = (loaded - idle) / max(1, r["connected"])  # KB
        note = "%d of %d connected" % (r["connected"], conns)
        out = {}
        if transport == "tcp":
            out["idle RSS (MB)"] = (idle / 1024.0, False, "")
        out["%s%d idle connections, memory per connection (KB)" % (self.over(transport), conns)] = \
            (per_conn, False, note)
        if transport != "tcp":
            # Connect time includes the TLS handshake and/or the WebSocket upgrade.
            out["%s%d connections, connect p50 (ms)" % (self.over(transport), conns)] = \
                (r["connect_ms"]["p50"], False, note)
        return out


# ----------------------------------------------------------------------------------------------
# bridging: the broker under test forwards bridge/# over one bridge connection to a remote
# mosquitto (the same remote for both brokers); the subscriber sits on the remote.

REMOTE = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def bridge_section(broker, remote_port, qos):
    if broker.name == "nmq":
        # The same bounds as mosquitto's max_queued_messages and max_inflight_messages.
        return ('bridges.mqtt.bench {\n'
                '    server = "mqtt-tcp://127.0.0.1:%d"\n'
                '    proto_ver = 4\n    clean_start = true\n'
                '    forwards = [{local_topic = "bridge/#"}]\n'
                '    max_send_queue_len = 100000\n    max_inflight = 1024\n}\n' % remote_port)
    # mosquitto's own bridge: a `connection` block, last in the file.
    return ("connection bench\naddress 127.0.0.1:%d\ntopic bridge/# out %d\n"
            "cleansession true\nbridge_protocol_version mqttv311\nnotifications false\n"
            % (remote_port, qos))


def with_extra(b, extra):
    """A new instance of broker `b` whose configuration ends with `extra`."""
    bb = type(b)(b.binary, b.workdir, b.certs)
    plain = bb.write_conf

    def write_conf(*args):
        path = plain(*args)
        with open(path, "a") as f:
            f.write(extra)
        return path

    bb.write_conf = write_conf
    return bb


def with_bridge(b, remote_port, qos):
    """A new instance of broker `b` whose configuration adds the bridge."""
    return with_extra(b, bridge_section(b, remote_port, qos))


def wait_bridged(broker, remote, timeout=15):
    """Until a probe published on the broker arrives at the remote."""
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(remote.port), "-t",
                            "bridge/probe", "-C", "1", "-W", str(timeout)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + timeout
        while sub.poll() is None and time.monotonic() < end:
            subprocess.call(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-t",
                             "bridge/probe", "-m", "probe", "-q", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.2)
        if sub.poll() != 0:
            raise RuntimeError("the bridge forwarded nothing within %ds" % timeout)
    finally:
        if sub.poll() is None:
            sub.kill()
        sub.wait()


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bridge_scenario(bench, b, qos, rate=0):
    """10 publishers on the broker, 1 subscriber on the remote, `bridge/#` forwarded over one
    bridge connection. Paced (`rate` msg/s in all): delivered rate, latency through both
    brokers and the bridging broker's CPU time per message. Open (rate 0): the rate the
    bridge gets through to the remote, which is also what bounds it."""
    remote = Mosquitto(REMOTE, b.workdir, b.certs)
    remote.start()
    b.stop()
    bb = with_bridge(b, remote.port, qos)
    try:
        bb.start()
        wait_bridged(bb, remote)
        d = bench.duration
        sub = Proc(bench.tool("sub", remote, ["-c", 1, "-t", "bridge/#", "-q", qos, "-d", d + 2,
                                              "--idle-exit", 1.5]))
        sub.wait_ready(60)
        cpu = cpu_seconds(bb.proc.pid)
        pub = Proc(bench.tool("pub", bb, ["-c", 10, "-t", "bridge/%i", "-q", qos, "-s", 64,
                                          "-d", d] + (["-R", rate] if rate else [])))
        p = pub.result(timeout=d + 30)
        s = sub.result(timeout=d + 30)
        cpu = cpu_seconds(bb.proc.pid) - cpu
    finally:
        bb.stop()
        remote.stop()
    if rate:
        note = bench.order(s)
        name = "bridged @%s msg/s, QoS %d" % ("{:,}".format(rate), qos)
        return {
            name + ", delivered (msg/s)": (s["msg_per_s"], True, note),
            name + ", p99 (ms)": (s["lat_us"]["p99"] / 1000, False, note),
            name + ", bridging broker CPU per message (us)":
                (cpu * 1e6 / max(1, s["received"]), False, note),
        }
    # Publishers are acknowledged by the bridging broker at once; what the remote cannot take
    # waits in (and beyond its bound is dropped from) the bridge's queue.
    note = "%s of %s published arrived in the window" % ("{:,}".format(s["received"]),
                                                         "{:,}".format(p["sent"]))
    return {"bridged 10->1 remote, QoS %d, open (msg/s)" % qos: (s["msg_per_s"], True, note)}


# ----------------------------------------------------------------------------------------------
# persistence: 10 publishers, QoS 1, to 10 persistent sessions (clean session 0), with the
# broker's persistence on. nmq acknowledges a PUBLISH only once the messages it owes are in
# SQLite (durability sync: fsynced; interval: committed every 100ms). mosquitto's persistence
# is a snapshot written every autosave_interval (default 30 min): it acknowledges at once and
# a crash loses what came since the last snapshot, so its figure is an upper bound.

def persistence_scenario(bench, b, durability):
    folder = tempfile.mkdtemp(prefix="persist-", dir=b.workdir)
    if b.name == "nmq":
        extra = ('sqlite {\n    mounted_file_path = "%s"\n    durability = %s\n}\n'
                 % (folder, durability))
    else:
        extra = "persistence true\npersistence_location %s/\n" % folder
    b.stop()
    bb = with_extra(b, extra)
    try:
        bb.start()
        _, s = bench.pub_sub(bb, ["-c", 10, "-t", "persist/%i", "-q", 1, "-C", "false",
                                  "--prefix", "psub"],
                             ["-c", 10, "-t", "persist/%i", "-q", 1, "-s", 64])
    finally:
        bb.stop()
    label = "persistence on (nmq: %s)" % durability
    return {"%s, 10 pairs, QoS 1, persistent sessions (msg/s)" % label:
            (s["msg_per_s"], True, bench.order(s))}


def no_persistence_scenario(bench, b):
    _, s = bench.pub_sub(b, ["-c", 10, "-t", "persist/%i", "-q", 1, "-C", "false",
                             "--prefix", "psub"],
                         ["-c", 10, "-t", "persist/%i", "-q", 1, "-s", 64])
    return {"persistence off, 10 pairs, QoS 1, persistent sessions (msg/s)":
            (s["msg_per_s"], True, bench.order(s))}


SCENARIOS = [
    ("fan-in", lambda bench, b: bench.fan_in(b)),
    ("pairs-qos0", lambda bench, b: bench.pairs(b, 0)),
    ("pairs-qos1", lambda bench, b: bench.pairs(b, 1)),
    ("fan-out", lambda bench, b: bench.fan_out(b)),
    ("large", lambda bench, b: bench.large(b)),
    ("latency", lambda bench, b: bench.latency(b)),
    ("idle", lambda bench, b: bench.idle(b)),
    # The same measures over the other listeners.
    ("tls-pairs", lambda bench, b: bench.pairs(b, 0, "tls")),
    ("tls-pairs-qos1", lambda bench, b: bench.pairs(b, 1, "tls")),
    ("tls-large", lambda bench, b: bench.large(b, "tls")),
    ("tls-latency", lambda bench, b: bench.latency(b, "tls")),
    ("tls-idle", lambda bench, b: bench.idle(b, "tls", conns=2000)),
    ("ws-pairs", lambda bench, b: bench.pairs(b, 0, "ws")),
    ("ws-large", lambda bench, b: bench.large(b, "ws")),
    ("ws-latency", lambda bench, b: bench.latency(b, "ws")),
    ("ws-idle", lambda bench, b: bench.idle(b, "ws", conns=2000)),
    ("wss-pairs", lambda bench, b: bench.pairs(b, 0, "wss")),
    ("wss-large", lambda bench, b: bench.large(b, "wss")),
    ("bridge-qos1", lambda bench, b: bridge_scenario(bench, b, 1, rate=5000)),
    ("bridge-qos0-open", lambda bench, b: bridge_scenario(bench, b, 0)),
    ("bridge-qos1-open", lambda bench, b: bridge_scenario(bench, b, 1)),
    ("persist-off", lambda bench, b: no_persistence_scenario(bench, b)),
    ("persist-sync", lambda bench, b: persistence_scenario(bench, b, "sync")),
    ("persist-interval", lambda bench, b: persistence_scenario(bench, b, "interval")),
]


# ----------------------------------------------------------------------------------------------
# table

def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "{:,.0f}".format(v)
    if abs(v) >= 100:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.2f" % v


def table(rows, names, markdown):
    header = ["scenario"] + names + (["ratio"] if len(names) == 2 else [])
    lines = []
    for metric, vals, better in rows:
        cells = [metric] + [fmt(vals.get(n, (None,))[0]) for n in names]
        if len(names) == 2:
            a, m = vals.get(names[0], (None,))[0], vals.get(names[1], (None,))[0]
            if a is None or m is None or m == 0:
                cells.append("-")
            else:
                cells.append("%.2fx%s" % (a / m, "" if better else " (lower is better)"))
        lines.append(cells)
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(c) + " |" for c in lines]
        return "\n".join(out)
    widths = [max(len(r[i]) for r in [header] + lines) for i in range(len(header))]
    def row(c):
        return "  ".join(c[0].ljust(widths[0]) if i == 0 else c[i].rjust(widths[i])
                         for i in range(len(c)))
    return "\n".join([row(header), "  ".join("-" * w for w in widths)] + [row(c) for c in lines])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nmq", default=os.path.join(ROOT, "build/release/nanomq"),
                    help="our broker binary, or 'none' to skip it")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build/release/nanomq_cli"))
    ap.add_argument("--mosquitto", default="/usr/sbin/mosquitto", help="or 'none' to skip it")
    ap.add_argument("--only", default="", help="comma-separated: " + ",".join(n for n, _ in SCENARIOS))
    ap.add_argument("--duration", type=float, default=5.0, help="seconds of load per scenario")
    ap.add_argument("--threads", type=int, default=1, help="load generator threads per process")
    ap.add_argument("--conns", type=int, default=10000, help="idle connections")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (configs, logs)")
    args = ap.parse_args()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    raise_fd_limit(args.conns + 100)

    if not os.access(args.cli, os.X_OK):
        sys.exit("no load generator at %s (build nanomq_cli first)" % args.cli)
    workdir = tempfile.mkdtemp(prefix="nmq-bench-")
    certs = make_certs(workdir)
    brokers = []
    if args.nmq != "none":
        if not os.access(args.nmq, os.X_OK):
            sys.exit("no broker at %s (or pass --nmq none)" % args.nmq)
        brokers.append(Nmq(os.path.abspath(args.nmq), workdir, certs))
    if args.mosquitto != "none":
        brokers.append(Mosquitto(args.mosquitto, workdir, certs))
    if not brokers:
        sys.exit("nothing to run")
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - {n for n, _ in SCENARIOS}
    if unknown:
        sys.exit("unknown scenario(s): %s" % ", ".join(sorted(unknown)))

    bench = Bench(os.path.abspath(args.cli), args.duration, args.threads, args.conns, certs)
    rows = {}  # metric -> {broker: (value, note)}
    order = []
    better = {}
    try:
        for name, run in SCENARIOS:
            if only and name not in only:
                continue
            for b in brokers:
                print("%-10s %-10s ..." % (name, b.name), end=" ", file=sys.stderr, flush=True)
                t = time.monotonic()
                try:
                    b.start()
                    res = run(bench, b)
                except Exception as e:  # one failed scenario must not lose the others
                    print("failed: %s" % e, file=sys.stderr)
                    continue
                finally:
                    b.stop()
                for metric, (value, hib, note) in res.items():
                    if metric not in rows:
                        rows[metric] = {}
                        order.append(metric)
                    rows[metric][b.name] = (value, note)
                    better[metric] = hib
                print("%.1f s  %s" % (time.monotonic() - t, "; ".join(
                    "%s %s%s" % (m, fmt(v[0]), " (%s)" % v[2] if v[2] else "")
                    for m, v in res.items())), file=sys.stderr, flush=True)
    finally:
        cleanup()
        if not args.keep:
            subprocess.call(["rm", "-rf", workdir])
        else:
            print("work directory: %s" % workdir, file=sys.stderr)

    names = [b.name for b in brokers]
    print()
    print(table([(m, rows[m], better[m]) for m in order], names, args.markdown))
    print()
    print("ratio = %s / %s; %d s per scenario; loopback; load generator: nanomq_cli bench"
          % (names[0], names[-1], args.duration) if len(names) == 2 else
          "%d s per scenario; loopback; load generator: nanomq_cli bench" % args.duration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
