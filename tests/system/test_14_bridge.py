"""Area 14: bridges to remote brokers, against a real mosquitto started by each test as the
remote (free port, config file in the test's tmp folder).

Forwards (local -> remote) and subscriptions (remote -> local) at every QoS, topic remapping,
5.0 properties, two bridges at once, loop prevention, TLS to the remote, and the failure
cases: the remote killed in the middle of a QoS 1 stream and started again (every message
counted: none lost, order kept), a remote that refuses the connection, a slow remote, a full
queue.
"""
import json
import os
import shutil
import signal
import subprocess
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from conftest import NMQ_BIN, TIMEOUT, free_port, wait_port
from http_util import api, check_json, post

pytestmark = pytest.mark.nmq_only

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


# ----------------------------------------------------------------------------------------------
# the remote broker

class Remote:
    """A mosquitto on a free loopback port. `users` (name -> password) turns anonymous access
    off; set_users() rewrites the password file and makes mosquitto re-read it (SIGHUP)."""

    def __init__(self, workdir, name="remote", users=None, tls=None, persistence=False):
        self.workdir = workdir
        self.name = name
        self.port = free_port()
        self.host = "127.0.0.1"
        self.users = users
        self.tls = tls  # {"cafile", "certfile", "keyfile"}
        self.persistence = persistence  # sessions and messages saved on a normal stop
        self.conf = workdir / f"{name}.conf"
        self.pwfile = workdir / f"{name}.pw"
        self.log_path = workdir / f"{name}.log"
        self.proc = None
        self.start()

    def write_files(self):
        lines = [f"listener {self.port} 127.0.0.1",
                 # Run as root it would switch to the mosquitto user, who cannot read the test's
                 # files (certificates, the password file it re-reads on SIGHUP).
                 "user root",
                 f"persistence {'true' if self.persistence else 'false'}",
                 f"persistence_location {self.workdir}/",
                 f"persistence_file {self.name}.db",
                 # Unlimited in flight to subscribers, so that nothing waits inside mosquitto
                 # (a killed mosquitto would lose it, and that is not what is measured here).
                 "max_inflight_messages 0",
                 "max_queued_messages 100000",
                 "log_type error", "log_type warning", "log_type notice", "log_type information"]
        if self.tls:
            lines += [f"cafile {self.tls['cafile']}", f"certfile {self.tls['certfile']}",
                      f"keyfile {self.tls['keyfile']}"]
        if self.users is None:
            lines.append("allow_anonymous true")
        else:
            lines += ["allow_anonymous false", f"password_file {self.pwfile}"]
            self.write_passwords()
        self.conf.write_text("\n".join(lines) + "\n")

    def write_passwords(self):
        tmp = self.workdir / f"{self.name}.pw.new"
        tmp.write_text("")
        for user, password in self.users.items():
            subprocess.run([MOSQUITTO_PASSWD, "-b", str(tmp), user, password], check=True,
                           capture_output=True)
        os.replace(tmp, self.pwfile)

    def start(self):
        self.write_files()
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=log,
                                     stderr=subprocess.STDOUT)
        log.close()
        wait_port(self.port, self.proc)

    def kill(self):
        """SIGKILL: the remote crashes; its connections drop without DISCONNECT."""
        self.proc.kill()
        self.proc.wait()
        self.paused = False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            if self.paused:
                self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    paused = False

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def set_users(self, users):
        self.users = users
        self.write_passwords()
        self.proc.send_signal(signal.SIGHUP)


@pytest.fixture
def remotes(tmp_path):
    made = []

    def make(**kwargs):
        r = Remote(tmp_path, name=f"remote{len(made)}", **kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.stop()


# ----------------------------------------------------------------------------------------------
# clients

class Watcher:
    """A Paho client that records every message it receives, in order."""

    def __init__(self, host, port, topics, version=4, client_id="", username=None,
                 password=None, qos=2, ca=None, clean=True):
        self.lock = threading.Lock()
        self.messages = []
        self.arrived = threading.Condition(self.lock)
        self.version = version
        proto = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
        if version == 5:
            self.c = mqtt.Client(client_id=client_id, protocol=proto)
        else:
            # A fixed id with clean=False: Paho reconnects on its own and resumes the session.
            self.c = mqtt.Client(client_id=client_id, protocol=proto, clean_session=clean)
            self.c.reconnect_delay_set(0.2, 1)
        if username:
            self.c.username_pw_set(username, password)
        if ca:
            self.c.tls_set(ca_certs=str(ca))
        self.c.max_inflight_messages_set(1000)
        self.c.on_message = self._on_message
        self.subscribed = threading.Event()
        self.c.on_subscribe = lambda *a: self.subscribed.set()
        self.c.connect(host, port, keepalive=60)
        self.c.loop_start()
        for t in topics:
            self.subscribed.clear()
            self.c.subscribe(t, qos)
            assert self.subscribed.wait(TIMEOUT), f"no SUBACK for {t}"

    def _on_message(self, c, u, m):
        with self.lock:
            self.messages.append(m)
            self.arrived.notify_all()

    def wait_for(self, n, timeout=TIMEOUT):
        """Waits until `n` messages have arrived; returns them all."""
        deadline = time.time() + timeout
        with self.lock:
            while len(self.messages) < n:
                left = deadline - time.time()
                if left <= 0:
                    break
                self.arrived.wait(left)
            return list(self.messages)

    def expect(self, n=1, timeout=TIMEOUT):
        got = self.wait_for(n, timeout)
        assert len(got) >= n, f"{len(got)} of {n} messages: {[(m.topic, m.payload) for m in got]}"
        return got

    def wait_unique(self, n, key, timeout=TIMEOUT):
        """Waits until `n` distinct key(message) values have arrived; returns every message."""
        deadline = time.time() + timeout
        with self.lock:
            while len({key(m) for m in self.messages}) < n:
                left = deadline - time.time()
                if left <= 0:
                    break
                self.arrived.wait(min(left, 0.5))
            return list(self.messages)

    def quiet(self, seconds=0.5):
        """The messages after a pause in which nothing more arrived."""
        time.sleep(seconds)
        with self.lock:
            return list(self.messages)

    def close(self):
        try:
            self.c.disconnect()
        except Exception:
            pass
        self.c.loop_stop()


@pytest.fixture
def watchers():
    made = []

    def make(*args, **kwargs):
        w = Watcher(*args, **kwargs)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def publisher(host, port, version=4):
    proto = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
    c = mqtt.Client(protocol=proto)
    c.max_inflight_messages_set(1000)
    c.connect(host, port, keepalive=60)
    c.loop_start()
    return c


def publish(c, topic, payload, qos=0, retain=False, properties=None):
    info = c.publish(topic, payload, qos, retain, properties=properties)
    if qos:
        info.wait_for_publish(TIMEOUT)
        assert info.is_published(), f"no acknowledgement for {topic}"
    return info


def close(c):
    c.disconnect()
    c.loop_stop()


# ----------------------------------------------------------------------------------------------
# the bridge

def bridge_conf(name, remote, forwards=(), subscriptions=(), proto_ver=4, extra=""):
    """A bridges.mqtt.<name> section. forwards: (local_topic, remote_topic[, more]) tuples;
    subscriptions: (remote_topic, local_topic, qos[, more])."""
    fw = "\n".join(
        f'        {{local_topic = "{f[0]}", remote_topic = "{f[1]}" {f[2] if len(f) > 2 else ""}}}'
        for f in forwards)
    sub = "\n".join(
        f'        {{remote_topic = "{s[0]}", local_topic = "{s[1]}", qos = {s[2]} '
        f'{s[3] if len(s) > 3 else ""}}}' for s in subscriptions)
    scheme = "tls+mqtt-tcp" if remote.tls else "mqtt-tcp"
    return f"""
bridges.mqtt.{name} {{
    server = "{scheme}://127.0.0.1:{remote.port}"
    proto_ver = {proto_ver}
    clientid = "bridge-{name}"
    keepalive = 10s
    backoff_max = 2s
    forwards = [
{fw}
    ]
    subscription = [
{sub}
    ]
{extra}
}}
"""


def wait_log(broker, text, count=1, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if broker.log_text().count(text) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} (x{count}) not in the broker's log:\n{broker.log_text()[-3000:]}")


def wait_bridge(broker, name, subscriptions=0, connects=1):
    wait_log(broker, f"bridge '{name}': connected to", connects)
    if subscriptions:
        wait_log(broker, f"bridge '{name}': subscribed to", subscriptions * connects)


# ----------------------------------------------------------------------------------------------
# forwards and subscriptions

def test_forwards_at_every_qos_with_retain(broker_factory, remotes, watchers):
    remote = remotes()
    b = broker_factory(extra_conf=bridge_conf("cloud", remote, forwards=[("up/#", "cloud/#")]))
    wait_bridge(b, "cloud")
    w = watchers(remote.host, remote.port, ["cloud/#"], qos=2)
    pub = publisher(b.host, b.port)
    for qos in (0, 1, 2):
        publish(pub, f"up/q{qos}", f"m{qos}".encode(), qos)
    got = w.expect(3)
    assert [(m.topic, m.payload, m.qos) for m in got] == [
        ("cloud/q0", b"m0", 0), ("cloud/q1", b"m1", 1), ("cloud/q2", b"m2", 2)]
    # Not forwarded: outside the filter.
    publish(pub, "elsewhere/x", b"no", 1)
    # A retained message is forwarded retained: a later subscriber at the remote gets it.
    publish(pub, "up/state", b"on", 1, retain=True)
    w.expect(4)
    late = watchers(remote.host, remote.port, ["cloud/state"])
    m = late.expect(1)[0]
    assert (m.topic, m.payload, m.retain) == ("cloud/state", b"on", True)
    assert [m.topic for m in w.quiet(0.3)] == ["cloud/q0", "cloud/q1", "cloud/q2", "cloud/state"]
    close(pub)


def test_subscriptions_at_every_qos(broker_factory, clients, remotes):
    remote = remotes()
    b = broker_factory(extra_conf=bridge_conf(
        "cloud", remote, subscriptions=[("cmd/#", "down/#", 2)]))
    wait_bridge(b, "cloud", subscriptions=1)
    local = clients(b)
    local.subscribe("down/#", 2)
    rpub = publisher(remote.host, remote.port)
    for qos in (0, 1, 2):
        publish(rpub, f"cmd/q{qos}", f"c{qos}".encode(), qos)
    got = [local.expect() for _ in range(3)]
    assert sorted((m.topic, m.payload, m.qos) for m in got) == [
        ("down/q0", b"c0", 0), ("down/q1", b"c1", 1), ("down/q2", b"c2", 2)]
    close(rpub)


def test_retained_messages_come_down_retained(broker_factory, clients, remotes):
    """What the remote holds retained arrives retained when the bridge subscribes, and (5.0,
    Retain As Published) so do live retained messages: both end up in our retained store."""
    remote = remotes()
    rpub = publisher(remote.host, remote.port, version=5)
    publish(rpub, "cmd/before", b"held", 1, retain=True)
    b = broker_factory(extra_conf=bridge_conf(
        "cloud", remote, subscriptions=[("cmd/#", "", 1, ", retain_as_published = 1")],
        proto_ver=5))
    wait_bridge(b, "cloud", subscriptions=1)
    publish(rpub, "cmd/live", b"now", 1, retain=True)
    # A new subscriber gets both from our retained store, once they have come down.
    want = [("cmd/before", b"held", True), ("cmd/live", b"now", True)]
    deadline = time.time() + TIMEOUT
    while True:
        late = clients(b)
        late.subscribe("cmd/#", 1)
        got = sorted((m.topic, m.payload, m.retain) for m in late.drain(0.3))
        late.disconnect()
        if got == want or time.time() > deadline:
            break
    assert got == want
    close(rpub)


def test_v5_properties_travel_both_ways(broker_factory, clients, remotes, watchers):
    remote = remotes()
    b = broker_factory(extra_conf=bridge_conf(
        "cloud", remote, forwards=[("up/#", "")], subscriptions=[("cmd/#", "", 1)], proto_ver=5))
    wait_bridge(b, "cloud", subscriptions=1)
    w = watchers(remote.host, remote.port, ["up/#"], version=5)
    pub = publisher(b.host, b.port, version=5)
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = [("k", "v"), ("k", "w")]
    props.ContentType = "text/plain"
    props.ResponseTopic = "reply/here"
    props.CorrelationData = b"\x01\x02"
    props.PayloadFormatIndicator = 1
    props.MessageExpiryInterval = 100
    publish(pub, "up/p", b"hello", 1, properties=props)
    m = w.expect()[0]
    assert m.topic == "up/p"
    assert m.properties.UserProperty == [("k", "v"), ("k", "w")]
    assert m.properties.ContentType == "text/plain"
    assert m.properties.ResponseTopic == "reply/here"
    assert m.properties.CorrelationData == b"\x01\x02"
    assert m.properties.PayloadFormatIndicator == 1
    assert 95 <= m.properties.MessageExpiryInterval <= 100

    local = clients(b, version=5)
    local.subscribe("cmd/#", 1)
    rpub = publisher(remote.host, remote.port, version=5)
    down = Properties(PacketTypes.PUBLISH)
    down.UserProperty = [("from", "cloud")]
    down.ResponseTopic = "cloud/replies"
    publish(rpub, "cmd/go", b"now", 1, properties=down)
    m = local.expect()
    assert (m.topic, m.payload) == ("cmd/go", b"now")
    assert m.properties.UserProperty == [("from", "cloud")]
    assert m.properties.ResponseTopic == "cloud/replies"
    close(pub)
    close(rpub)


def test_topic_remapping_rules(broker_factory, clients, remotes, watchers):
    remote = remotes()
    conf = bridge_conf(
        "cloud", remote,
        forwards=[
            ("reflect/#", "all/in/one"),                    # NanoMQ's reflection to one topic
            ("site/+/sensors/#", "plant/+/#"),              # wildcards carry levels across
            ("raw/#", "", ', prefix = "edge1/", suffix = "/v1"'),  # topic kept, with affixes
            ("local/pfx/#", "remote/pfx/#"),                # mosquitto's local/remote prefixes
        ],
        subscriptions=[
            ("cmd/+/set", "devices/+/command", 1),
            ("keep/#", "", 1),                              # topic kept
            ("$share/edges/jobs/#", "work/#", 1),           # a shared subscription at the remote
        ])
    b = broker_factory(extra_conf=conf)
    wait_bridge(b, "cloud", subscriptions=3)
    w = watchers(remote.host, remote.port, ["#"], qos=1)
    pub = publisher(b.host, b.port)
    for topic in ("reflect/a", "reflect/b/c", "site/7/sensors/t/1", "site/8/sensors",
                  "raw/x", "local/pfx/a/b"):
        publish(pub, topic, topic.encode(), 1)
    got = {m.payload.decode(): m.topic for m in w.expect(6)}
    assert got == {
        "reflect/a": "all/in/one",
        "reflect/b/c": "all/in/one",
        "site/7/sensors/t/1": "plant/7/t/1",
        "site/8/sensors": "plant/8",
        "raw/x": "edge1/raw/x/v1",
        "local/pfx/a/b": "remote/pfx/a/b",
    }
    local = clients(b)
    local.subscribe("#", 1)
    rpub = publisher(remote.host, remote.port)
    for topic in ("cmd/lamp/set", "keep/a/b", "jobs/1"):
        publish(rpub, topic, topic.encode(), 1)
    down = {}
    for _ in range(3):
        m = local.expect()
        down[m.payload.decode()] = m.topic
    assert down == {"cmd/lamp/set": "devices/lamp/command", "keep/a/b": "keep/a/b",
                    "jobs/1": "work/1"}
    close(pub)
    close(rpub)


def test_two_bridges_at_once(broker_factory, clients, remotes, watchers):
    east, west = remotes(), remotes()
    conf = (bridge_conf("east", east, forwards=[("to/east/#", "")],
                        subscriptions=[("news", "from/east", 1)]) +
            bridge_conf("west", west, forwards=[("to/west/#", ""), ("to/all", "")],
                        subscriptions=[("news", "from/west", 1)]) +
            bridge_conf("east2", east, forwards=[("to/all", "")]))
    b = broker_factory(extra_conf=conf)
    for name in ("east", "west"):
        wait_bridge(b, name, subscriptions=1)
    wait_bridge(b, "east2")
    we = watchers(east.host, east.port, ["#"], qos=1)
    ww = watchers(west.host, west.port, ["#"], qos=1)
    pub = publisher(b.host, b.port)
    publish(pub, "to/east/1", b"e", 1)
    publish(pub, "to/west/1", b"w", 1)
    publish(pub, "to/all", b"a", 1)
    assert sorted(m.topic for m in we.expect(2)) == ["to/all", "to/east/1"]
    assert sorted(m.topic for m in ww.expect(2)) == ["to/all", "to/west/1"]
    local = clients(b)
    local.subscribe("from/#", 1)
    for r, payload in ((east, b"E"), (west, b"W")):
        p = publisher(r.host, r.port)
        publish(p, "news", payload, 1)
        close(p)
    got = sorted((m.topic, m.payload) for m in (local.expect(), local.expect()))
    assert got == [("from/east", b"E"), ("from/west", b"W")]
    local.expect_none()
    # Each remote saw only what was meant for it (its watcher subscribes to everything), plus
    # the "news" published there.
    assert sorted(m.topic for m in we.quiet(0.3)) == ["news", "to/all", "to/east/1"]
    assert sorted(m.topic for m in ww.quiet(0)) == ["news", "to/all", "to/west/1"]
    close(pub)


# ----------------------------------------------------------------------------------------------
# loops

@pytest.mark.parametrize("version", [4, 5])
def test_a_message_that_came_down_is_not_sent_back_up(broker_factory, clients, remotes,
                                                      watchers, version):
    """The bridge forwards everything and subscribes to everything, on the same topics: the
    worst case for loops. A remote message comes down once and never goes back up; a local one
    goes up once (3.1.1 remotes echo it back down once; 5.0's No Local stops even that)."""
    remote = remotes()
    b = broker_factory(extra_conf=bridge_conf(
        "loop", remote, forwards=[("#", "")], subscriptions=[("#", "", 1)], proto_ver=version))
    wait_bridge(b, "loop", subscriptions=1)
    w = watchers(remote.host, remote.port, ["#"], qos=1)
    local = clients(b)
    local.subscribe("#", 1)

    rpub = publisher(remote.host, remote.port)
    publish(rpub, "from/remote", b"r", 1)
    assert [m.topic for m in local.drain(0.8)] == ["from/remote"]
    assert [m.topic for m in w.quiet(0.2)] == ["from/remote"]  # not sent back up

    pub = publisher(b.host, b.port)
    publish(pub, "from/local", b"l", 1)
    time.sleep(0.8)
    up = [m.topic for m in w.quiet(0)]
    assert up == ["from/remote", "from/local"]
    echoes = [m.topic for m in local.drain(0.3)]
    assert echoes == (["from/local", "from/local"] if version == 4 else ["from/local"])
    close(pub)
    close(rpub)


# ----------------------------------------------------------------------------------------------
# failures

def count_stream(received, n):
    """(unique, duplicates, in_order) of a stream of payloads 0..n-1."""
    seen = set()
    firsts = []
    dups = 0
    for p in received:
        if p in seen:
            dups += 1
            continue
        seen.add(p)
        firsts.append(p)
    return len(seen & set(range(n))), dups, firsts == sorted(firsts)


def test_remote_killed_mid_qos1_stream_loses_nothing(broker_factory, clients, remotes, watchers):
    """mosquitto is SIGKILLed in the middle of a QoS 1 stream, comes back refusing the bridge
    (bad credentials) while the stream goes on, and then lets it in: every message arrives,
    the first copies in order."""
    users = {"watcher": "w-pass", "bridge": "b-pass"}
    remote = remotes(users=users)
    extra = 'username = bridge\n    password = "b-pass"\n    clean_start = false'
    b = broker_factory(extra_conf=bridge_conf(
        "cloud", remote, forwards=[("stream/#", "")], subscriptions=[("cmd/#", "", 1)],
        extra=extra))
    wait_bridge(b, "cloud", subscriptions=1)
    w = watchers(remote.host, remote.port, ["stream/#"], username="watcher", password="w-pass",
                 qos=1)
    n = 3000
    received = []
    pub = publisher(b.host, b.port)
    acked = []

    def stream():
        for i in range(n):
            info = pub.publish("stream/seq", str(i).encode(), 1)
            acked.append(info)
            time.sleep(0.0007)

    t = threading.Thread(target=stream)
    t.start()
    # Once a third has gone through, the remote hangs (messages pile up in flight), then dies.
    w.wait_for(n // 3, timeout=20)
    remote.pause()
    time.sleep(0.3)
    remote.kill()
    received += [int(m.payload) for m in w.quiet(0)]
    w.close()
    time.sleep(0.3)
    # Back, but refusing the bridge: its messages keep queueing here meanwhile.
    remote.users = {"watcher": "w-pass"}
    remote.start()
    w2 = watchers(remote.host, remote.port, ["stream/#"], username="watcher",
                  password="w-pass", qos=1)
    wait_log(b, "refused the connection: Not authorized", 1, timeout=15)
    t.join(timeout=60)
    assert not t.is_alive()
    for info in acked:
        info.wait_for_publish(TIMEOUT)
    assert all(info.is_published() for info in acked)  # nmq acknowledged every message
    # Let the bridge in.
    remote.set_users(users)
    wait_bridge(b, "cloud", subscriptions=1, connects=2)
    have = set(received)
    got = w2.wait_unique(n - len(have & set(range(n))), key=lambda m: m.payload, timeout=30)
    received += [int(m.payload) for m in w2.quiet(0.5)]
    unique, dups, in_order = count_stream(received, n)
    print(f"\nremote killed mid-stream: sent {n}, received {len(received)} "
          f"({unique} unique, {dups} duplicates), lost {n - unique}, order kept: {in_order}")
    assert unique == n, f"lost {n - unique}: {sorted(set(range(n)) - set(received))[:20]}"
    assert in_order
    # Subscribed again on the new connection (the restarted remote forgot the old one):
    # commands come down again.
    local = clients(b)
    local.subscribe("cmd/#", 1)
    w2.c.publish("cmd/after-restart", b"go", 1).wait_for_publish(TIMEOUT)
    m = local.expect()
    assert (m.topic, m.payload) == ("cmd/after-restart", b"go")
    close(pub)


def test_remote_restart_keeps_our_session_and_qos2_exactly_once(broker_factory, remotes,
                                                              watchers):
    """A remote with persistence restarts in the middle of a QoS 2 stream. Our 5.0 session
    (clean_start = false, an expiry) is still there: unacknowledged PUBLISHes go again with DUP
    and their packet ids, PUBRELs again, and every message arrives, in order, and is not
    delivered twice because of the bridge."""
    remote = remotes(persistence=True)
    extra = ("clean_start = false\n"
             "    conn_properties { session_expiry_interval = 3600 }")
    b = broker_factory(extra_conf=bridge_conf("cloud", remote, forwards=[("stream/#", "")],
                                              proto_ver=5, extra=extra))
    wait_bridge(b, "cloud")
    w = watchers(remote.host, remote.port, ["stream/#"], client_id="watcher", clean=False, qos=2)
    n = 1500
    pub = publisher(b.host, b.port)
    infos = []

    def stream():
        for i in range(n):
            infos.append(pub.publish("stream/seq", str(i).encode(), 2))
            time.sleep(0.001)

    t = threading.Thread(target=stream)
    t.start()
    w.wait_for(n // 3, timeout=20)
    remote.pause()
    time.sleep(0.3)
    remote.stop()  # SIGCONT, SIGTERM: mosquitto saves its sessions and stops
    remote.start()
    t.join(timeout=60)
    got = w.wait_unique(n, key=lambda m: m.payload, timeout=30)
    got = w.quiet(0.5)
    unique, dups, in_order = count_stream([int(m.payload) for m in got], n)
    print(f"\nremote restarted with our session kept: sent {n}, received {len(got)} "
          f"({unique} unique, {dups} duplicates), lost {n - unique}, order kept: {in_order}")
    wait_log(b, "session present: yes")
    assert (unique, in_order) == (n, True)
    # A second copy from the bridge would reach the watcher as a new message. mosquitto's own
    # redelivery to the watcher of what it was sending when it stopped carries DUP: those are
    # the only repeats allowed.
    seen, fresh_repeats = set(), []
    for m in got:
        if m.payload in seen and not m.dup:
            fresh_repeats.append(int(m.payload))
        seen.add(m.payload)
    assert fresh_repeats == []
    close(pub)


def test_refused_connection_is_retried_with_backoff_while_the_broker_serves(
        broker_factory, clients, remotes, watchers):
    remote = remotes(users={"bridge": "right", "w": "w"})
    w = watchers(remote.host, remote.port, ["up/#"], username="w", password="w", qos=1)
    extra = 'username = bridge\n    password = "wrong"\n    backoff_max = 4s'
    b = broker_factory(extra_conf=bridge_conf("cloud", remote, forwards=[("up/#", "")],
                                              extra=extra))
    wait_log(b, "bridge 'cloud': 127.0.0.1:%d refused the connection: Not authorized (0x87)"
             % remote.port, 3, timeout=12)
    # Waits grow: 1s, 2s, 4s with jitter [half, full], capped by backoff_max.
    waits = [float(line.split(" in ")[1].split("s ")[0])
             for line in b.log_text().splitlines() if "reconnecting to" in line]
    assert len(waits) >= 3
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0 and 2.0 <= waits[2] <= 4.0, waits
    # The broker keeps serving meanwhile, and the bridge keeps what is forwarded to it.
    local = clients(b)
    local.subscribe("up/#", 1)
    pub = publisher(b.host, b.port)
    publish(pub, "up/1", b"kept", 1)
    assert local.expect().payload == b"kept"
    # The remote starts accepting the bridge's credentials: the queue drains at once.
    remote.set_users({"bridge": "wrong", "w": "w"})
    m = w.expect(1, timeout=10)[0]
    assert (m.topic, m.payload) == ("up/1", b"kept")
    assert b.alive()
    close(pub)


def test_slow_remote_does_not_slow_the_broker_and_loses_nothing(broker_factory, clients,
                                                                remotes, watchers):
    remote = remotes()
    b = broker_factory(extra_conf=bridge_conf(
        "cloud", remote, forwards=[("stream/#", "")], extra="    max_inflight = 50"))
    wait_bridge(b, "cloud")
    w = watchers(remote.host, remote.port, ["stream/#"], qos=1)
    pub = publisher(b.host, b.port)
    # More than the queue that slows publishers down while the remote answers: a stuck remote
    # must not hold local traffic up for more than a moment.
    n = 5000
    infos = []
    remote.pause()  # stops reading: the window fills, then the queue
    try:
        for i in range(n):
            infos.append(pub.publish("stream/x", str(i).encode(), 1))
        for info in infos:
            info.wait_for_publish(TIMEOUT)
        assert all(info.is_published() for info in infos)
        # Local clients are served as usual while the remote is stuck.
        a = clients(b)
        a.subscribe("local/ping", 1)
        start = time.time()
        publish(pub, "local/ping", b"1", 1)
        assert a.expect(timeout=1.0).payload == b"1"
        assert time.time() - start < 1.0
    finally:
        remote.resume()
    got = w.wait_for(n, timeout=30)
    unique, dups, in_order = count_stream([int(m.payload) for m in got], n)
    assert (unique, dups, in_order) == (n, 0, True)
    close(pub)


CLI = os.environ.get("NMQ_CLI", os.path.join(os.path.dirname(NMQ_BIN), "nanomq_cli"))


def test_publishers_faster_than_the_remote_are_slowed_not_dropped(broker_factory, remotes):
    """Issue 6 back-pressure: ten QoS 1 publishers at full speed (nanomq_cli bench) against a
    bridge whose queue holds 30000 messages: while the remote answers, connections pause
    instead of the queue overflowing, so every acknowledged message reaches the remote (counted
    there by a nanomq_cli subscriber, fast enough for mosquitto not to drop any)."""
    remote = remotes()
    b = broker_factory(extra_conf=bridge_conf(
        "cloud", remote, forwards=[("fast/#", "")], extra="    max_send_queue_len = 30000"))
    wait_bridge(b, "cloud")
    sub = subprocess.Popen([CLI, "bench", "sub", "-p", str(remote.port), "-c", "1", "-q", "1",
                            "-t", "fast/#", "-d", "40", "--idle-exit", "2", "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 10
        while "ready" not in (line := sub.stderr.readline()) and time.time() < deadline:
            pass
        r = subprocess.run([CLI, "bench", "pub", "-p", str(b.port), "-c", "10", "-q", "1", "-s",
                            "32", "-t", "fast/%i", "-d", "5", "--json", "--quiet"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        acked = json.loads(r.stdout.strip().splitlines()[-1])["acked"]
        out, _ = sub.communicate(timeout=60)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    received = json.loads(out.strip().splitlines()[-1])
    assert acked > 40000  # more than the queue holds
    assert received["received"] >= acked, f"{received['received']} of {acked} arrived"
    assert received["lost"] == 0 and received["out_of_order"] == 0
    assert "dropped:" not in b.log_text()


def test_full_queue_keeps_the_oldest_and_counts_the_rest(broker_factory, remotes, watchers):
    # The remote refuses the bridge until told otherwise: its messages wait in the queue.
    remote = remotes(users={"w": "w"})
    b = broker_factory(extra_conf=bridge_conf(
        "cloud", remote, forwards=[("q/#", "")],
        extra='username = bridge\n    password = "b"\n    max_send_queue_len = 5'))
    wait_log(b, "refused the connection")
    w = watchers(remote.host, remote.port, ["q/#"], qos=1, username="w", password="w")
    pub = publisher(b.host, b.port)
    for i in range(8):
        publish(pub, "q/x", str(i).encode(), 1)
    publish(pub, "q/x", b"qos0", 0)  # QoS 0 is not kept while the link is down
    wait_log(b, "bridge 'cloud': 1 message(s) to 'q/x' dropped: the bridge's queue is full")
    remote.set_users({"w": "w", "bridge": "b"})
    got = w.wait_for(5, timeout=10)
    assert [m.payload for m in w.quiet(0.5)] == [b"0", b"1", b"2", b"3", b"4"]
    wait_log(b, "backlog of 5 message(s) delivered")
    # Drops after the first are summed up in a later line.
    wait_log(b, "more message(s) dropped; 4 dropped in total", timeout=8)
    close(pub)


def test_backlog_drains_on_connack_without_new_messages(broker_factory, remotes, watchers):
    """NanoMQ's backlog drained only when a new message arrived; ours drains at CONNACK."""
    remote = remotes(users={"w": "w", "bridge": "b"})
    b = broker_factory(extra_conf=bridge_conf(
        "cloud", remote, forwards=[("q/#", "")], extra='username = bridge\n    password = "x"'))
    wait_log(b, "refused the connection")
    w = watchers(remote.host, remote.port, ["q/#"], qos=1, username="w", password="w")
    pub = publisher(b.host, b.port)
    for i in range(50):
        publish(pub, "q/x", str(i).encode(), 1)
    remote.set_users({"w": "w", "bridge": "x"})
    got = w.wait_for(50, timeout=10)
    assert [int(m.payload) for m in got] == list(range(50))
    close(pub)


# ----------------------------------------------------------------------------------------------
# live changes: the API's req 12 and SIGHUP reconnect a bridge with its new settings

def test_req12_adds_the_documents_bridge_live_and_it_survives_a_restart(broker_factory, clients,
                                                                         remotes, watchers):
    """http-api-v1.md req 12: the document's own example adds a bridge (address pointed at our
    remote); it connects at once, forwards and subscribes, and is back after a restart."""
    remote = remotes()
    b = broker_factory()
    assert api(b, 11)["bridge"]["bridge_mode"] is False
    data = {
        "bridge": {
            "bridge_mode": True,
            "address": f"mqtt-tcp://127.0.0.1:{remote.port}",
            "proto_ver": 4,
            "clientid": "bridge_client",
            "clean_start": True,
            "username": "username",
            "password": "passwd",
            "keepalive": 60,
            "parallel": 2,
            "forwards": ["topic1/#", "topic2/#"],
            "subscription": [{"topic": "cmd/topic1", "qos": 1}, {"topic": "cmd/topic2", "qos": 2}],
        }
    }
    r = post(b, {"req": 12, "seq": 111, "data": data})
    assert r.status_code == 200 and r.text == '{"code":0,"seq":111,"rep":12}', r.text
    shown = api(b, 11)["bridge"]
    assert shown == {**data["bridge"], "password": "******"}

    def exchange(round_):
        wait_bridge(b, "bridge", subscriptions=2, connects=round_)
        w = watchers(remote.host, remote.port, ["topic1/#", "topic2/#"], qos=1)
        local = clients(b)
        local.subscribe("cmd/#", 2)
        pub = publisher(b.host, b.port)
        publish(pub, "topic1/a", b"up1", 1)
        publish(pub, "topic2/b", b"up2", 2)
        publish(pub, "topic3/c", b"not forwarded", 1)
        assert [(m.topic, m.payload) for m in w.expect(2)] == [("topic1/a", b"up1"),
                                                               ("topic2/b", b"up2")]
        rp = publisher(remote.host, remote.port)
        publish(rp, "cmd/topic2", b"down", 2)
        m = local.expect()
        assert (m.topic, m.payload) == ("cmd/topic2", b"down")
        assert [m.topic for m in w.quiet(0.3)] == ["topic1/a", "topic2/b"]
        close(pub)
        close(rp)
        w.close()

    exchange(1)
    # The change was persisted: a restart brings the bridge back (overrides file).
    b.stop()
    b.start()
    exchange(1)
    assert api(b, 11)["bridge"] == {**data["bridge"], "password": "******"}


def test_req12_moves_a_bridge_and_it_keeps_every_message_it_owes(broker_factory, remotes,
                                                                 watchers):
    """Issue 6: the bridge reconnects with its new settings; QoS 1 messages queued while its
    old remote was unreachable are delivered, in order, to the new one."""
    dead = free_port()
    b = broker_factory(extra_conf=f"""
bridges.mqtt.cloud {{
    server = "mqtt-tcp://127.0.0.1:{dead}"
    clientid = "edge-cloud"
    backoff_max = 1s
    forwards = [{{local_topic = "q/#", remote_topic = "edge/#"}}]
}}
""")
    wait_log(b, "bridge 'cloud': 127.0.0.1:")  # the first attempt failed
    pub = publisher(b.host, b.port)
    for i in range(30):
        publish(pub, "q/n", str(i).encode(), 1)
    remote = remotes()
    w = watchers(remote.host, remote.port, ["#"], qos=1)
    r = post(b, {"req": 12, "seq": 2,
                 "data": {"bridge": {"address": f"mqtt-tcp://127.0.0.1:{remote.port}"}}})
    check_json(r, 200, 0)
    wait_log(b, "bridge 'cloud': settings changed; reconnecting with the new ones")
    wait_log(b, "bridge 'cloud': 30 of 30 message(s) owed by its previous settings carried over")
    got = w.wait_for(30, timeout=10)
    assert [(m.topic, int(m.payload)) for m in got] == [("edge/n", i) for i in range(30)]
    # A new message after the move goes the same way, after the backlog.
    publish(pub, "q/n", b"30", 1)
    assert [int(m.payload) for m in w.wait_for(31)] == list(range(31))
    close(pub)


def test_sighup_adds_changes_and_removes_bridges(broker_factory, remotes, watchers):
    """`nanomq reload` / SIGHUP: an unchanged bridge keeps its connection, a changed one
    reconnects with the new topic mapping, a removed one stops, a new one starts."""
    one, two = remotes(), remotes()
    keep = bridge_conf("keep", one, forwards=[("k/#", "")])
    b = broker_factory(extra_conf=keep + bridge_conf("change", one, forwards=[("c/#", "old/#")])
                       + bridge_conf("gone", one, forwards=[("g/#", "")]))
    for name in ("keep", "change", "gone"):
        wait_bridge(b, name)
    w1 = watchers(one.host, one.port, ["#"], qos=1)
    w2 = watchers(two.host, two.port, ["#"], qos=1)
    b.extra_conf = (keep + bridge_conf("change", one, forwards=[("c/#", "new/#")])
                    + bridge_conf("added", two, forwards=[("a/#", "")]))
    b.conf_path.write_text(b.config_text())
    b.proc.send_signal(signal.SIGHUP)
    wait_log(b, "bridge 'added': connected to")
    wait_log(b, "bridge 'change': connected to", 2)
    wait_log(b, "bridge 'gone': stopped")
    log = b.log_text()
    assert "bridge 'keep': connected to" in log and log.count("bridge 'keep': connected to") == 1
    assert "bridge 'gone': removed or disabled by the new configuration" in log
    pub = publisher(b.host, b.port)
    for topic in ("k/1", "c/1", "g/1", "a/1"):
        publish(pub, topic, topic.encode(), 1)
    assert sorted(m.topic for m in w1.wait_for(2)) == ["k/1", "new/1"]
    assert [m.topic for m in w2.expect(1)] == ["a/1"]
    assert sorted(m.topic for m in w1.quiet(0.5)) == ["k/1", "new/1"]
    close(pub)


def test_sighup_with_a_broken_bridge_keeps_the_running_ones(broker_factory, remotes, watchers,
                                                            tmp_path):
    remote = remotes()
    b = broker_factory(extra_conf=bridge_conf("cloud", remote, forwards=[("x/#", "")]))
    wait_bridge(b, "cloud")
    b.extra_conf = bridge_conf("cloud", remote, forwards=[("y/#", "")],
                               extra=f'ssl {{ cacertfile = "{tmp_path}/missing.pem" }}')
    b.conf_path.write_text(b.config_text())
    b.proc.send_signal(signal.SIGHUP)
    wait_log(b, "missing.pem")
    w = watchers(remote.host, remote.port, ["#"], qos=1)
    pub = publisher(b.host, b.port)
    publish(pub, "x/still", b"1", 1)
    assert [m.topic for m in w.expect(1)] == ["x/still"]
    assert b.log_text().count("bridge 'cloud': connected to") == 1
    close(pub)


# ----------------------------------------------------------------------------------------------
# TLS to the remote

def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("bridge-certs")
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key", "-out",
                f"{ca}.pem", "-days", "2", "-subj", f"/CN=nmq test {ca}", cwd=d)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=localhost", cwd=d)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext", cwd=d)
    return d


def test_tls_to_the_remote(broker_factory, clients, remotes, watchers, certs):
    tls = {"cafile": certs / "ca.pem", "certfile": certs / "server.pem",
           "keyfile": certs / "server.key"}
    remote = remotes(tls=tls)
    b = broker_factory(extra_conf=bridge_conf(
        "secure", remote, forwards=[("up/#", "")], subscriptions=[("cmd/#", "down/#", 1)],
        extra=f'    ssl {{ cacertfile = "{certs / "ca.pem"}" }}'))
    wait_bridge(b, "secure", subscriptions=1)
    assert "tls://127.0.0.1:%d" % remote.port in b.log_text()
    w = watchers(remote.host, remote.port, ["up/#"], qos=1, ca=certs / "ca.pem")
    pub = publisher(b.host, b.port)
    publish(pub, "up/t", b"secret", 1)
    assert [(m.topic, m.payload) for m in w.expect()] == [("up/t", b"secret")]
    local = clients(b)
    local.subscribe("down/#", 1)
    publish(w.c, "cmd/x", b"order", 1)
    m = local.expect()
    assert (m.topic, m.payload) == ("down/x", b"order")
    close(pub)


def test_websocket_and_secure_websocket_to_the_remote(broker_factory, clients, watchers,
                                                       certs):
    """Issue 6: MQTT over WebSocket to the remote when the server URL says ws:// or wss://
    (subprotocol "mqtt", binary frames [MQTT-6.0.0-1..4]). The remote is an nmq with WebSocket
    listeners: Debian's mosquitto cannot open one here."""
    ws, wss = free_port(), free_port()
    remote = broker_factory(extra_conf=f"""
listeners.ws {{ bind = "127.0.0.1:{ws}/mqtt" }}
listeners.wss {{
    bind = "127.0.0.1:{wss}/mqtt"
    keyfile = "{certs / "server.key"}"
    certfile = "{certs / "server.pem"}"
}}
""")
    b = broker_factory(extra_conf=f"""
bridges.mqtt.plain {{
    server = "ws://127.0.0.1:{ws}/mqtt"
    proto_ver = 5
    forwards = [{{local_topic = "up/#", remote_topic = "plain/#"}}]
    subscription = [{{remote_topic = "cmd/#", local_topic = "down/#", qos = 1}}]
}}
bridges.mqtt.secure {{
    server = "wss://127.0.0.1:{wss}/mqtt"
    proto_ver = 4
    clientid = "secure-bridge"
    forwards = [{{local_topic = "up/#", remote_topic = "secure/#"}}]
    ssl {{ cacertfile = "{certs / "ca.pem"}" }}
}}
""")
    wait_bridge(b, "plain", subscriptions=1)
    wait_bridge(b, "secure")
    assert f"ws://127.0.0.1:{ws}" in b.log_text() and f"wss://127.0.0.1:{wss}" in b.log_text()
    w = watchers(remote.host, remote.port, ["plain/#", "secure/#"], qos=1)
    pub = publisher(b.host, b.port)
    big = os.urandom(300_000)  # several WebSocket frames' worth in one message
    publish(pub, "up/a", b"one", 1)
    publish(pub, "up/big", big, 2)
    got = w.wait_for(4)
    assert sorted((m.topic, len(m.payload)) for m in got) == [
        ("plain/a", 3), ("plain/big", len(big)), ("secure/a", 3), ("secure/big", len(big))]
    assert all(m.payload == big for m in got if m.topic.endswith("big"))
    local = clients(b)
    local.subscribe("down/#", 1)
    publish(w.c, "cmd/go", b"order", 1)
    m = local.expect()
    assert (m.topic, m.payload) == ("down/go", b"order")
    close(pub)


def test_websocket_remote_without_the_path_is_logged_and_retried(broker_factory):
    ws = free_port()
    remote = broker_factory(extra_conf=f'listeners.ws {{ bind = "127.0.0.1:{ws}/mqtt" }}')
    b = broker_factory(extra_conf=f"""
bridges.mqtt.lost {{
    server = "ws://127.0.0.1:{ws}/elsewhere"
    backoff_max = 1s
    forwards = [{{local_topic = "x/#"}}]
}}
""")
    wait_log(b, "WebSocket upgrade to /elsewhere refused", 2)
    assert remote.alive() and b.alive()


def test_tls_remote_with_an_unknown_ca_is_refused_and_logged(broker_factory, remotes, certs):
    tls = {"cafile": certs / "ca.pem", "certfile": certs / "server.pem",
           "keyfile": certs / "server.key"}
    remote = remotes(tls=tls)
    b = broker_factory(extra_conf=bridge_conf(
        "secure", remote, forwards=[("up/#", "")],
        extra=f'    ssl {{ cacertfile = "{certs / "other-ca.pem"}" }}'))
    wait_log(b, "TLS handshake failed: certificate verify failed", timeout=10)
    assert "connected to" not in b.log_text()


def test_unreadable_tls_file_stops_start_up(tmp_path):
    conf = tmp_path / "nanomq.conf"
    port = free_port()
    conf.write_text(f"""
listeners.tcp.bind = "127.0.0.1:{port}"
bridges.mqtt.secure {{
    server = "tls+mqtt-tcp://127.0.0.1:8883"
    ssl {{ cacertfile = "{tmp_path / 'missing.pem'}" }}
}}
""")
    r = subprocess.run([NMQ_BIN, "start", "--conf", str(conf)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode != 0
    assert "bridges.mqtt.secure.ssl.cacertfile" in r.stderr and "missing.pem" in r.stderr


# ----------------------------------------------------------------------------------------------
# configuration

def test_bad_bridge_configuration_stops_start_up_naming_the_key(tmp_path):
    conf = tmp_path / "nanomq.conf"
    conf.write_text('bridges.mqtt.q {\n  server = "mqtt-quic://127.0.0.1:14567"\n}\n')
    r = subprocess.run([NMQ_BIN, "start", "--conf", str(conf)], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2
    assert f"{conf}:2:12: bridges.mqtt.q.server" in r.stderr
    assert "QUIC is not supported" in r.stderr


def test_old_format_bridge_keys(tmp_path, remotes, watchers):
    remote = remotes()
    port = free_port()
    conf = tmp_path / "nanomq_old.conf"
    conf.write_text(f"""url=nmq-tcp://127.0.0.1:{port}
log.level=info
bridge.mqtt.emqx.bridge_mode=true
bridge.mqtt.emqx.address=mqtt-tcp://127.0.0.1:{remote.port}
bridge.mqtt.emqx.proto_ver=4
bridge.mqtt.emqx.clientid=old-bridge
bridge.mqtt.emqx.keepalive=60
bridge.mqtt.emqx.forwards.1.remote_topic=fwd/topic1
bridge.mqtt.emqx.forwards.1.local_topic=topic1
bridge.mqtt.emqx.quic_keepalive=120
""")
    log = open(tmp_path / "old.log", "wb")
    proc = subprocess.Popen([NMQ_BIN, "start", "--old_conf", str(conf)], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_port(port, proc)
        w = watchers(remote.host, remote.port, ["fwd/#"], qos=1)
        deadline = time.time() + 10
        while b"bridge 'emqx': connected" not in (tmp_path / "old.log").read_bytes():
            assert time.time() < deadline, (tmp_path / "old.log").read_text()
            time.sleep(0.05)
        pub = publisher("127.0.0.1", port)
        publish(pub, "topic1", b"old", 1)
        m = w.expect()[0]
        assert (m.topic, m.payload) == ("fwd/topic1", b"old")
        close(pub)
        text = (tmp_path / "old.log").read_text()
        assert "bridges.mqtt.emqx.quic_keepalive: not supported yet (MQTT over QUIC)" in text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
