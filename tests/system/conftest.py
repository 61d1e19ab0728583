"""Shared fixtures for the system tests: start the real broker on free ports, talk to it with
Paho (MQTT 3.1.1 and 5.0) or raw sockets, and clean up every process started.

NMQ_BIN      path of the nanomq binary (default: build/release/nanomq)
NMQ_TARGET   "nmq" (default) or "mosquitto": run the same tests against Debian's mosquitto,
             to check that a test says what the MQTT specification says rather than what our
             broker happens to do. Tests of NanoMQ-only behaviour are marked `nmq_only`.
"""
import os
import queue
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

ROOT = Path(__file__).resolve().parents[2]
NMQ_BIN = os.path.abspath(os.environ.get("NMQ_BIN", str(ROOT / "build" / "release" / "nanomq")))
TARGET = os.environ.get("NMQ_TARGET", "nmq")
TIMEOUT = 5.0


def pytest_configure(config):
    config.addinivalue_line("markers", "nmq_only: NanoMQ-specific behaviour, skipped against mosquitto")


def pytest_collection_modifyitems(config, items):
    if TARGET == "mosquitto":
        skip = pytest.mark.skip(reason="NanoMQ-specific behaviour")
        for item in items:
            if "nmq_only" in item.keywords:
                item.add_marker(skip)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"broker exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"broker did not listen on {port} within {timeout}s")


class Broker:
    """A running broker process. `port` is its MQTT/TCP port on 127.0.0.1."""

    def __init__(self, workdir: Path, mqtt_conf: str = "", extra_conf: str = "", args=()):
        self.workdir = workdir
        self.port = free_port()
        self.http_port = free_port()
        self.host = "127.0.0.1"
        self.mqtt_conf = mqtt_conf
        self.extra_conf = extra_conf
        self.args = list(args)
        self.log_path = workdir / f"broker-{self.port}.log"
        self.proc = None
        self.start()

    def config_text(self):
        return f"""
system {{
    num_taskq_thread = 2
}}
mqtt {{
    {self.mqtt_conf}
}}
listeners.tcp {{
    bind = "127.0.0.1:{self.port}"
}}
http_server {{
    port = {self.http_port}
    username = admin
    password = public
}}
log {{
    to = [console]
    level = info
}}
{self.extra_conf}
"""

    def start(self):
        log = open(self.log_path, "ab")
        if TARGET == "mosquitto":
            conf = self.workdir / f"mosquitto-{self.port}.conf"
            conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                            "persistence false\nmax_queued_messages 2048\n")
            cmd = [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)]
        else:
            self.conf_path = self.workdir / f"nanomq-{self.port}.conf"
            self.conf_path.write_text(self.config_text())
            cmd = [NMQ_BIN, "start", "--conf", str(self.conf_path)] + self.args
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        log.close()
        wait_port(self.port, self.proc)
        if TARGET != "mosquitto":
            wait_port(self.http_port, self.proc)  # the HTTP API binds just after MQTT

    def stop(self, sig_timeout=5.0):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=sig_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def restart(self):
        self.stop()
        self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


@pytest.fixture
def broker_factory(tmp_path):
    started = []

    def make(mqtt_conf: str = "", extra_conf: str = "", args=()):
        b = Broker(tmp_path, mqtt_conf=mqtt_conf, extra_conf=extra_conf, args=args)
        started.append(b)
        return b

    yield make
    for b in started:
        crashed = b.proc is not None and b.proc.poll() is not None and b.proc.returncode not in (0, -15)
        b.stop()
        if crashed:
            pytest.fail(f"broker died with status {b.proc.returncode}:\n{b.log_text()[-4000:]}")


@pytest.fixture
def broker(broker_factory):
    """A broker with default settings; fails the test if it crashed during the test."""
    b = broker_factory()
    yield b
    assert b.alive(), f"broker crashed:\n{b.log_text()[-4000:]}"


class Client:
    """A Paho client with a queue of received messages and synchronous helpers."""

    def __init__(self, broker, client_id="", version=4, clean=True, username=None, password=None,
                 will=None, keepalive=60, properties=None, connect=True, auto_ack=True):
        proto = {3: mqtt.MQTTv31, 4: mqtt.MQTTv311, 5: mqtt.MQTTv5}[version]
        self.version = version
        self.broker = broker
        if version == 5:
            self.c = mqtt.Client(client_id=client_id, protocol=proto)
        else:
            self.c = mqtt.Client(client_id=client_id, protocol=proto, clean_session=clean)
        self.clean = clean
        self.keepalive = keepalive
        self.connect_properties = properties
        self.messages = queue.Queue()
        self.connack = queue.Queue()
        self.disconnects = queue.Queue()
        self.subacks = queue.Queue()
        self.unsubacks = queue.Queue()
        self.published = queue.Queue()
        self.c.on_connect = self._on_connect
        self.c.on_message = lambda c, u, m: self.messages.put(m)
        self.c.on_disconnect = self._on_disconnect
        self.c.on_subscribe = self._on_subscribe
        self.c.on_unsubscribe = self._on_unsubscribe
        self.c.on_publish = lambda c, u, mid: self.published.put(mid)
        if username is not None:
            self.c.username_pw_set(username, password)
        if will is not None:
            self.c.will_set(**will)
        if connect:
            self.connect()

    def _on_connect(self, c, u, flags, rc, properties=None):
        self.connack.put((flags, rc, properties))

    def _on_disconnect(self, c, u, rc, properties=None):
        self.disconnects.put((rc, properties))

    def _on_subscribe(self, c, u, mid, granted, properties=None):
        self.subacks.put((mid, granted, properties))

    def _on_unsubscribe(self, c, u, mid, *rest):
        self.unsubacks.put((mid, rest))

    def connect(self, expect_rc=0):
        kwargs = dict(keepalive=self.keepalive)
        if self.version == 5:
            kwargs["clean_start"] = self.clean
            if self.connect_properties is not None:
                kwargs["properties"] = self.connect_properties
        self.c.connect(self.broker.host, self.broker.port, **kwargs)
        self.c.loop_start()
        flags, rc, props = self.connack.get(timeout=TIMEOUT)
        self.flags, self.rc, self.connack_properties = flags, rc, props
        if expect_rc is not None:
            assert rc == expect_rc, f"CONNACK {rc}"
        return flags, rc, props

    def subscribe(self, topic, qos=0, **kwargs):
        result, mid = self.c.subscribe(topic, qos, **kwargs)
        assert result == mqtt.MQTT_ERR_SUCCESS
        got_mid, granted, props = self.subacks.get(timeout=TIMEOUT)
        assert got_mid == mid
        return granted

    def unsubscribe(self, topic, **kwargs):
        result, mid = self.c.unsubscribe(topic, **kwargs)
        assert result == mqtt.MQTT_ERR_SUCCESS
        got_mid, rest = self.unsubacks.get(timeout=TIMEOUT)
        assert got_mid == mid
        return rest

    def publish(self, topic, payload=b"", qos=0, retain=False, wait=True, **kwargs):
        info = self.c.publish(topic, payload, qos, retain, **kwargs)
        if wait and qos > 0:
            info.wait_for_publish(timeout=TIMEOUT)
            assert info.is_published(), "no acknowledgement from the broker"
        return info

    def expect(self, timeout=TIMEOUT):
        return self.messages.get(timeout=timeout)

    def expect_none(self, timeout=0.5):
        try:
            m = self.messages.get(timeout=timeout)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected message on {m.topic}: {m.payload!r}")

    def drain(self, timeout=0.3):
        out = []
        while True:
            try:
                out.append(self.messages.get(timeout=timeout))
            except queue.Empty:
                return out

    def disconnect(self, **kwargs):
        self.c.disconnect(**kwargs)
        self.c.loop_stop()

    def kill(self):
        """Drop the TCP connection without DISCONNECT (as a crash or network loss would).
        The socket is shut down first, so Paho's network thread wakes at once and stops
        (stopping the loop first would wait out its select timeout)."""
        sock = self.c.socket()
        self.c._thread_terminate = True  # no automatic reconnect after the drop
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.c.loop_stop()
        if sock is not None:
            sock.close()


@pytest.fixture
def clients():
    """Factory of Client objects; all are stopped at the end of the test."""
    made = []

    def make(broker, *args, **kwargs):
        c = Client(broker, *args, **kwargs)
        made.append(c)
        return c

    yield make
    # Disconnect first: it wakes Paho's network thread, so loop_stop() returns at once.
    for c in made:
        try:
            c.c.disconnect()
        except Exception:
            pass
    for c in made:
        try:
            c.c.loop_stop()
        except Exception:
            pass


class Raw:
    """A raw TCP connection for byte-level tests."""

    def __init__(self, broker, timeout=TIMEOUT):
        self.s = socket.create_connection((broker.host, broker.port), timeout=timeout)

    def send(self, data: bytes):
        self.s.sendall(data)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
            buf += chunk
        return buf

    def recv_packet(self):
        """Reads one MQTT packet; returns (first_byte, body)."""
        first = self.recv_exact(1)[0]
        mult, length = 1, 0
        for _ in range(4):
            b = self.recv_exact(1)[0]
            length += (b & 0x7F) * mult
            mult *= 128
            if not b & 0x80:
                break
        return first, self.recv_exact(length)

    def closed(self, timeout=TIMEOUT):
        """True when the broker closes the connection (after any pending packets) in time."""
        self.s.settimeout(timeout)
        try:
            while True:
                data = self.s.recv(4096)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


def encode_varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        if n:
            b |= 0x80
        out.append(b)
        if not n:
            return bytes(out)


def mqtt_str(s):
    b = s.encode() if isinstance(s, str) else s
    return len(b).to_bytes(2, "big") + b


def packet(first_byte, body=b""):
    return bytes([first_byte]) + encode_varint(len(body)) + body


def connect_packet(client_id="raw", version=4, clean=True, keepalive=60, props=b"", flags_extra=0):
    name = b"MQIsdp" if version == 3 else b"MQTT"
    flags = (0x02 if clean else 0) | flags_extra
    body = mqtt_str(name) + bytes([version, flags]) + keepalive.to_bytes(2, "big")
    if version == 5:
        body += encode_varint(len(props)) + props
    body += mqtt_str(client_id)
    return packet(0x10, body)


@pytest.fixture
def raw():
    made = []

    def make(broker):
        r = Raw(broker)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()
