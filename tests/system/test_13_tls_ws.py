"""MQTT over TLS (listeners.ssl), WebSocket (listeners.ws) and WebSocket over TLS (listeners.wss):
each works exactly like plain TCP, for MQTT 3.1.1 and 5.0, with standard clients (Paho, with
transport="websockets" for WebSocket; mosquitto_pub/mosquitto_sub with --cafile). Certificates
are made by `openssl` for this module: a CA, a server certificate for 127.0.0.1/localhost, a
client certificate (CN=device-1) and one from another CA that the broker must refuse.

Bad input on these listeners (a failed handshake, a plaintext client on the TLS port, an HTTP
request that is no upgrade, a message too large, a text message) closes that connection only,
with a log line; a client connected before keeps working.

MQTT 5.0 section 6 (also 3.1.1 section 6): [MQTT-6.0.0-1] binary frames only, [MQTT-6.0.0-2]
packets may span frames or share one, [MQTT-6.0.0-4] the subprotocol is "mqtt".
"""
import base64
import json
import os
import queue
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import time

import paho.mqtt.client as mqtt
import pytest
import requests

from conftest import NMQ_BIN, TIMEOUT, connect_packet, free_port, packet, wait_port
from util_part2 import Bystander, publish_packet, subscribe_packet, unique

pytestmark = [
    pytest.mark.nmq_only,
    # Paho's network thread raises when a handshake is refused, which is what some tests want.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
    pytest.mark.filterwarnings("ignore:ssl.PROTOCOL_TLS is deprecated:DeprecationWarning"),
]


# ---------------------------------------------------------------------------------------------
# Certificates


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_cert(d, name, cn, ca, ext=None, key_args=("-nodes",)):
    openssl("req", "-newkey", "rsa:2048", *key_args, "-keyout", f"{name}.key", "-out",
            f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
    extra = ["-extfile", ext] if ext else []
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", *extra, cwd=d)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    for ca, cn in (("ca", "nmq test CA"), ("rogue", "someone else's CA")):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}.key", "-out",
                f"{ca}.pem", "-days", "2", "-subj", f"/CN={cn}", cwd=d)
    (d / "san.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    make_cert(d, "server", "localhost", "ca", ext="san.cnf")
    make_cert(d, "client", "device-1", "ca")
    make_cert(d, "stranger", "device-2", "rogue")
    # The server key again, encrypted (key_password).
    openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:s3cret", "-out",
            "server-enc.key", cwd=d)
    return d


def tls_conf(certs, kind="ssl", port=None, extra=""):
    return f"""
listeners.{kind} {{
    bind = "127.0.0.1:{port}{'/mqtt' if kind == 'wss' else ''}"
    keyfile = "{certs / 'server.key'}"
    certfile = "{certs / 'server.pem'}"
    cacertfile = "{certs / 'ca.pem'}"
    {extra}
}}
"""


class Ports:
    """A broker with all four listeners on free ports of 127.0.0.1."""

    def __init__(self, broker_factory, certs, ssl_extra="", ws_extra="", wss_extra="",
                 mqtt_conf=""):
        self.ssl, self.ws, self.wss = free_port(), free_port(), free_port()
        conf = tls_conf(certs, "ssl", self.ssl, ssl_extra)
        conf += f'listeners.ws {{\n    bind = "127.0.0.1:{self.ws}/mqtt"\n    {ws_extra}\n}}\n'
        # No files of its own: it takes those of listeners.ssl, as NanoMQ documents.
        conf += f'listeners.wss {{\n    bind = "127.0.0.1:{self.wss}/mqtt"\n    {wss_extra}\n}}\n'
        self.broker = broker_factory(mqtt_conf=mqtt_conf, extra_conf=conf)
        self.tcp = self.broker.port


@pytest.fixture
def ports(broker_factory, certs):
    p = Ports(broker_factory, certs)
    yield p
    assert p.broker.alive(), p.broker.log_text()[-3000:]


# ---------------------------------------------------------------------------------------------
# Paho over each transport


class Paho:
    """A Paho client over tcp/tls/ws/wss with a queue of messages."""

    def __init__(self, port, kind="tcp", version=4, client_id=None, certs=None, cert=None,
                 ws_headers=None, username=None):
        self.messages = queue.Queue()
        self.connack = queue.Queue()
        proto = {4: mqtt.MQTTv311, 5: mqtt.MQTTv5, 3: mqtt.MQTTv31}[version]
        transport = "websockets" if kind in ("ws", "wss") else "tcp"
        self.c = mqtt.Client(client_id=client_id or unique(kind), protocol=proto,
                             transport=transport)
        if kind in ("tls", "wss"):
            if cert:
                self.c.tls_set(ca_certs=str(certs / "ca.pem"), certfile=str(certs / f"{cert}.pem"),
                               keyfile=str(certs / f"{cert}.key"))
            else:
                self.c.tls_set(ca_certs=str(certs / "ca.pem"))
        if ws_headers:
            self.c.ws_set_options(path="/mqtt", headers=ws_headers)
        if username:
            self.c.username_pw_set(username, "pw")
        self.c.on_message = lambda c, u, m: self.messages.put(m)
        self.c.on_connect = lambda c, u, f, rc, p=None: self.connack.put(rc)
        self.port = port

    def connect(self, timeout=TIMEOUT):
        """The CONNACK code, or None when the connection failed before one arrived."""
        try:
            self.c.connect("127.0.0.1", self.port, keepalive=30)
        except (OSError, ssl.SSLError, mqtt.WebsocketConnectionError):
            return None
        self.c.loop_start()
        try:
            return self.connack.get(timeout=timeout)
        except queue.Empty:
            return None

    def subscribe(self, topic, qos=1):
        result, _ = self.c.subscribe(topic, qos)
        assert result == mqtt.MQTT_ERR_SUCCESS

    def publish(self, topic, payload, qos=1):
        info = self.c.publish(topic, payload, qos)
        if qos:
            info.wait_for_publish(timeout=TIMEOUT)
            assert info.is_published()

    def expect(self, timeout=TIMEOUT):
        return self.messages.get(timeout=timeout)

    def close(self):
        try:
            self.c.disconnect()
        except Exception:
            pass
        self.c.loop_stop()


@pytest.fixture
def paho():
    made = []

    def make(*args, **kwargs):
        p = Paho(*args, **kwargs)
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def connected(paho, port, kind, **kwargs):
    c = paho(port, kind, **kwargs)
    rc = c.connect()
    assert rc == 0, f"CONNACK {rc} over {kind}"
    return c


def round_trip(sub, pub, topic, payload):
    sub.subscribe(topic, 1)
    time.sleep(0.2)  # SUBACK settles
    pub.publish(topic, payload, 1)
    m = sub.expect()
    assert (m.topic, m.payload) == (topic, payload)


@pytest.mark.parametrize("kind", ["tls", "ws", "wss"])
@pytest.mark.parametrize("version", [4, 5])
def test_paho_over_each_transport(ports, paho, certs, kind, version):
    """Subscribe and publish (QoS 1, a payload of 200 KB that spans many TLS records and
    WebSocket reads) through one transport, both directions."""
    port = {"tls": ports.ssl, "ws": ports.ws, "wss": ports.wss}[kind]
    a = connected(paho, port, kind, version=version, certs=certs)
    b = connected(paho, port, kind, version=version, certs=certs)
    round_trip(a, b, f"t13/{kind}/{version}", b"x" * 200_000)
    round_trip(b, a, f"t13/{kind}/{version}/back", b"small")


def home_worker(client_id, workers=2):
    """The worker a session lives on (Broker::home_of: FNV-1a of the client id)."""
    h = 1469598103934665603
    for byte in client_id.encode():
        h = ((h ^ byte) * 1099511628211) % 2**64
    return h % workers


def homed_ids(prefix, worker, n, workers=2):
    out, i = [], 0
    while len(out) < n:
        cid = f"{prefix}-{i}"
        if home_worker(cid, workers) == worker:
            out.append(cid)
        i += 1
    return out


def test_mixed_clients_exchange_messages_across_all_four_listeners(ports, paho, certs):
    """Two clients per listener, all on one filter; each one's message reaches all eight. The
    broker has two workers and accepts connections on them in turn, so of two clients in a row
    whose sessions live on worker 0, one was accepted by worker 1 and moves after CONNECT:
    every kind of connection is moved at least once here."""
    kinds = {"tcp": ports.tcp, "tls": ports.ssl, "ws": ports.ws, "wss": ports.wss}
    clients = {}
    for k, port in kinds.items():
        for cid in homed_ids(f"mix-{k}", 0, 2):
            clients[cid] = connected(paho, port, k, version=5 if k in ("ws", "tls") else 4,
                                     certs=certs, client_id=cid)
    for c in clients.values():
        c.subscribe("t13/mix/#", 1)
    time.sleep(0.3)
    for cid, c in clients.items():
        c.publish(f"t13/mix/{cid}", f"from {cid}".encode(), 1)
    for cid, c in clients.items():
        got = sorted(c.expect().payload.decode() for _ in clients)
        assert got == sorted(f"from {x}" for x in clients), cid


def test_mosquitto_clients_with_cafile(ports, certs):
    """mosquitto_sub and mosquitto_pub, the command-line clients users try first, over TLS
    with the CA file, also in 5.0."""
    if not shutil.which("mosquitto_pub"):
        pytest.skip("mosquitto-clients not installed")
    ca = str(certs / "ca.pem")
    sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(ports.ssl), "--cafile",
                            ca, "-t", "t13/cli", "-C", "2", "-W", "10", "-V", "mqttv5", "-q", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.7)
        for i, v in enumerate(("mqttv311", "mqttv5")):
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(ports.ssl), "--cafile", ca,
                            "-t", "t13/cli", "-m", f"hello {i}", "-q", "1", "-V", v],
                           check=True, timeout=10, capture_output=True)
        out, err = sub.communicate(timeout=10)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    assert out.split("\n")[:2] == ["hello 0", "hello 1"], err


def test_mosquitto_pub_without_the_ca_is_refused(ports, certs):
    """A client that cannot verify the server stops at the handshake; the broker logs it."""
    if not shutil.which("mosquitto_pub"):
        pytest.skip("mosquitto-clients not installed")
    r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(ports.ssl), "--cafile",
                        str(certs / "rogue.pem"), "-t", "t13/x", "-m", "x"],
                       timeout=10, capture_output=True, text=True)
    assert r.returncode != 0
    time.sleep(0.3)
    assert "TLS handshake failed" in ports.broker.log_text()


# ---------------------------------------------------------------------------------------------
# Client certificates


def test_client_certificate_required(broker_factory, paho, certs):
    """verify_peer + fail_if_no_peer_cert: no certificate, or one from another CA, is refused
    at the handshake; the CA's certificate gets in."""
    port = free_port()
    b = broker_factory(extra_conf=tls_conf(certs, "ssl", port,
                                            "verify_peer = true\nfail_if_no_peer_cert = true"))
    assert paho(port, "tls", certs=certs).connect(timeout=2) is None
    assert paho(port, "tls", certs=certs, cert="stranger").connect(timeout=2) is None
    good = connected(paho, port, "tls", certs=certs, cert="client")
    round_trip(good, good, "t13/cert", b"ok")
    time.sleep(0.3)
    log = b.log_text()
    assert "TLS handshake failed" in log
    assert "certificate" in log  # OpenSSL's reason names it
    assert b.alive()


def test_client_certificate_optional(broker_factory, paho, certs):
    """verify_peer alone: clients without a certificate get in, a certificate that does not
    verify is still refused."""
    port = free_port()
    b = broker_factory(extra_conf=tls_conf(certs, "ssl", port, "verify_peer = true"))
    connected(paho, port, "tls", certs=certs)
    connected(paho, port, "tls", certs=certs, cert="client")
    assert paho(port, "tls", certs=certs, cert="stranger").connect(timeout=2) is None
    assert b.alive()


def test_certificate_name_as_user_name(broker_factory, paho, certs):
    """use_identity_as_username: the CN of the verified certificate is the user name (the
    CONNECT's own is replaced), so allow_anonymous = false lets it in without one. The HTTP API
    shows the name."""
    port = free_port()
    b = broker_factory(extra_conf=tls_conf(
        certs, "ssl", port,
        "verify_peer = true\nfail_if_no_peer_cert = true\nuse_identity_as_username = true")
        + "auth { allow_anonymous = false }\n")
    c = connected(paho, port, "tls", certs=certs, cert="client", client_id="by-cert")
    r = requests.post(f"http://127.0.0.1:{b.http_port}/api/v1", data='{"req":5,"seq":1}',
                      auth=("admin", "public"), timeout=10)
    users = {e["client_id"]: e["username"] for e in r.json()["data"]}
    assert users.get("by-cert") == "device-1"
    c2 = connected(paho, port, "tls", certs=certs, cert="client", client_id="claims-admin",
                   username="admin")
    r = requests.post(f"http://127.0.0.1:{b.http_port}/api/v1", data='{"req":5,"seq":2}',
                      auth=("admin", "public"), timeout=10)
    users = {e["client_id"]: e["username"] for e in r.json()["data"]}
    assert users.get("claims-admin") == "device-1"
    round_trip(c, c2, "t13/identity", b"hi")


def test_encrypted_key_with_key_password(broker_factory, paho, certs):
    port = free_port()
    conf = tls_conf(certs, "ssl", port, 'key_password = "s3cret"').replace(
        str(certs / "server.key"), str(certs / "server-enc.key"))
    broker_factory(extra_conf=conf)
    connected(paho, port, "tls", certs=certs)


# ---------------------------------------------------------------------------------------------
# Start-up errors


def start_fails(tmp_path, conf_text):
    conf = tmp_path / f"bad-{free_port()}.conf"
    conf.write_text(conf_text)
    r = subprocess.run([NMQ_BIN, "start", "--conf", str(conf), "--pid_file",
                        str(tmp_path / "bad.pid")], capture_output=True, text=True, timeout=20)
    assert r.returncode != 0
    return conf, r.stderr


def test_missing_key_file_stops_start_up_naming_file_line_and_key(tmp_path, certs):
    conf, err = start_fails(tmp_path, f"""listeners.tcp {{ bind = "127.0.0.1:{free_port()}" }}
listeners.ssl {{
    bind = "127.0.0.1:{free_port()}"
    keyfile = "/nonexistent/key.pem"
    certfile = "{certs / 'server.pem'}"
}}
""")
    assert (f'{conf}:4:15: listeners.ssl.keyfile: cannot read "/nonexistent/key.pem": No such file '
            "or directory") in err


def test_wrong_key_password_and_mismatched_key_stop_start_up(tmp_path, certs):
    base = f'listeners.tcp {{ bind = "127.0.0.1:{free_port()}" }}\n'
    _, err = start_fails(tmp_path, base + tls_conf(certs, "ssl", free_port(), 'key_password = "no"')
                         .replace(str(certs / "server.key"), str(certs / "server-enc.key")))
    assert "listeners.ssl.keyfile: cannot load the private key" in err
    _, err = start_fails(tmp_path, base + tls_conf(certs, "ssl", free_port()).replace(
        str(certs / "server.key"), str(certs / "client.key")))
    assert "does not match the certificate" in err


def test_verify_peer_without_ca_and_wss_without_certificates_stop_start_up(tmp_path, certs):
    base = f'listeners.tcp {{ bind = "127.0.0.1:{free_port()}" }}\n'
    _, err = start_fails(tmp_path, base + f"""listeners.ssl.strict {{
    bind = "127.0.0.1:{free_port()}"
    keyfile = "{certs / 'server.key'}"
    certfile = "{certs / 'server.pem'}"
    verify_peer = true
}}
""")
    assert "listeners.ssl.strict.cacertfile: expected a PEM file of CA certificates" in err
    _, err = start_fails(tmp_path, base + f'listeners.wss {{ bind = "127.0.0.1:{free_port()}" }}\n')
    assert "listeners.wss: a secure WebSocket listener needs keyfile and certfile" in err


# ---------------------------------------------------------------------------------------------
# Raw WebSocket, for what clients do not do on their own


class RawWs:
    """A minimal WebSocket client: the upgrade request, masked frames, unmasked frames back."""

    def __init__(self, port, path="/mqtt", protocol="mqtt", headers=None, tls_ca=None):
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if tls_ca:
            ctx = ssl.create_default_context(cafile=tls_ca)
            s = ctx.wrap_socket(s, server_hostname="localhost")
        self.s = s
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        if protocol:
            lines.append(f"Sec-WebSocket-Protocol: {protocol}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        self.response = head.decode(errors="replace")
        self.status = int(self.response.split(" ")[1]) if self.response else 0

    def send_frame(self, payload, opcode=0x2, fin=True):
        mask = os.urandom(4)
        first = (0x80 if fin else 0) | opcode
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", first, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", first, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", first, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.s.sendall(header + mask + masked)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        """(opcode, payload) of the next frame from the server."""
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read(8))[0]
        assert not b1 & 0x80, "server frames are not masked"
        return b0 & 0x0F, self._read(n)

    def recv_mqtt(self):
        """Bytes of the next binary message (one or more MQTT packets)."""
        while True:
            op, data = self.recv_frame()
            if op == 0x2:
                return data

    def closed(self, timeout=TIMEOUT):
        """True when the server closes the TCP connection (after any frames) in time; returns
        the close code of a Close frame seen on the way in self.close_code."""
        self.close_code = None
        self.s.settimeout(timeout)
        try:
            while True:
                op, data = self.recv_frame()
                if op == 0x8 and len(data) >= 2:
                    self.close_code = struct.unpack("!H", data[:2])[0]
        except (ConnectionError, ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


@pytest.fixture
def raw_ws():
    made = []

    def make(*args, **kwargs):
        r = RawWs(*args, **kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def test_packets_split_across_and_packed_into_frames(ports, raw_ws):
    """[MQTT-6.0.0-2] CONNECT in three frames (one a continuation), then SUBSCRIBE and PUBLISH
    packed into one frame: the broker answers CONNACK, SUBACK, and delivers the PUBLISH back.
    The answers come in binary frames [MQTT-6.0.0-1], and the upgrade chose "mqtt"
    [MQTT-6.0.0-4]."""
    ws = raw_ws(ports.ws, protocol="mqttv3.1, mqtt")
    assert ws.status == 101
    assert "sec-websocket-protocol: mqtt" in ws.response.lower()
    c = connect_packet("ws-split", version=4)
    ws.send_frame(c[:3], opcode=0x2, fin=False)
    ws.send_frame(c[3:7], opcode=0x0, fin=False)
    ws.send_frame(c[7:], opcode=0x0, fin=True)
    assert ws.recv_mqtt() == bytes([0x20, 0x02, 0x00, 0x00])
    # SUBSCRIBE and PINGREQ in one frame.
    ws.send_frame(subscribe_packet(1, [("t13/split", 0)]) + bytes([0xC0, 0x00]))
    got = b""
    while len(got) < 7:
        got += ws.recv_mqtt()
    suback, pingresp = bytes([0x90, 0x03, 0x00, 0x01, 0x00]), bytes([0xD0, 0x00])
    assert got in (suback + pingresp, pingresp + suback)
    # A PUBLISH split in two messages, the second also holding a PINGREQ.
    p = publish_packet("t13/split", b"split", qos=0)
    ws.send_frame(p[:5])
    ws.send_frame(p[5:] + bytes([0xC0, 0x00]))
    got = b""
    while len(got) < len(p) + 2:
        got += ws.recv_mqtt()
    assert got in (p + pingresp, pingresp + p)


def test_ping_is_answered_and_close_is_returned(ports, raw_ws):
    ws = raw_ws(ports.ws)
    assert ws.status == 101
    ws.send_frame(connect_packet("ws-ping"))
    assert ws.recv_mqtt()[0] == 0x20
    ws.send_frame(b"are you there", opcode=0x9)
    op, data = ws.recv_frame()
    assert (op, data) == (0xA, b"are you there")
    ws.send_frame(struct.pack("!H", 1000), opcode=0x8)
    assert ws.closed()
    assert ws.close_code == 1000


def test_mqtt_3_1_over_websocket_with_its_subprotocol(ports, paho):
    """MQTT 3.1 clients offer "mqttv3.1" (Paho does), and are answered with it."""
    connected(paho, ports.ws, "ws", version=3)


def test_server_disconnect_sends_a_close_frame(ports, raw_ws):
    """A protocol error over WebSocket: the broker closes with a Close frame, like a clean
    close, and nothing else is affected."""
    ws = raw_ws(ports.ws)
    ws.send_frame(connect_packet("ws-bad"))
    assert ws.recv_mqtt()[0] == 0x20
    ws.send_frame(packet(0x10, b"\x00"))  # a second CONNECT is a protocol error
    assert ws.closed()
    assert ws.close_code == 1000


# ---------------------------------------------------------------------------------------------
# Bad input: each case closes that connection only, with a log line


@pytest.fixture
def bad_input(broker_factory, certs, clients):
    p = Ports(broker_factory, certs, ssl_extra="handshake_timeout = 1s",
              ws_extra='max_frame_size = 1KB\n    allowed_origins = ["https://good.example"]',
              wss_extra="handshake_timeout = 1s")
    p.good = Bystander(clients, p.broker)
    yield p
    p.good.check()
    assert p.broker.alive()


def wait_log(broker, text, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in broker.log_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"no log line with {text!r}:\n{broker.log_text()[-2000:]}")


def plain_closed(s, timeout=TIMEOUT):
    s.settimeout(timeout)
    try:
        while s.recv(4096):
            pass
        return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_plaintext_mqtt_on_the_tls_port(bad_input):
    s = socket.create_connection(("127.0.0.1", bad_input.ssl), timeout=TIMEOUT)
    s.sendall(connect_packet("plain-on-tls"))
    assert plain_closed(s)
    s.close()
    wait_log(bad_input.broker, "TLS handshake failed")


def test_no_handshake_within_the_timeout(bad_input):
    t = time.time()
    for port in (bad_input.ssl, bad_input.wss):
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        assert plain_closed(s)
        s.close()
    assert time.time() - t < 4
    wait_log(bad_input.broker, "no handshake within 1000ms")


def test_tls_garbage_after_the_handshake(bad_input, certs):
    """Bytes that are no TLS record after a good handshake: that connection is closed."""
    raw = socket.create_connection(("127.0.0.1", bad_input.ssl), timeout=TIMEOUT)
    t = ssl.create_default_context(cafile=str(certs / "ca.pem")).wrap_socket(
        raw, server_hostname="localhost")
    t.sendall(connect_packet("garbage"))
    assert t.recv(4) == bytes([0x20, 0x02, 0x00, 0x00])
    raw_fd = socket.socket(fileno=os.dup(t.fileno()))
    raw_fd.sendall(b"\x17\x03\x03\x00\x10" + b"\x00" * 16)  # an application record nobody sealed
    assert plain_closed(raw_fd)
    raw_fd.close()
    t.close()
    wait_log(bad_input.broker, "(SSL routines); closing")
    assert "handshake" not in bad_input.broker.log_text()


def test_http_request_that_is_not_an_upgrade(bad_input):
    s = socket.create_connection(("127.0.0.1", bad_input.ws), timeout=TIMEOUT)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(TIMEOUT)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"HTTP/1.1 426 Upgrade Required")
    wait_log(bad_input.broker, "upgrade refused: not a WebSocket upgrade request (GET /)")


def test_garbage_instead_of_http(bad_input):
    s = socket.create_connection(("127.0.0.1", bad_input.ws), timeout=TIMEOUT)
    s.sendall(connect_packet("mqtt-on-ws-port") + b"\r\n\r\n")
    assert plain_closed(s)
    wait_log(bad_input.broker, "no WebSocket upgrade request")


@pytest.mark.parametrize("case", ["path", "protocol", "origin"])
def test_refused_upgrades(bad_input, raw_ws, case):
    kwargs = {"path": {"path": "/elsewhere"}, "protocol": {"protocol": "chat"},
              "origin": {"headers": {"Origin": "https://evil.example"}}}[case]
    ws = raw_ws(bad_input.ws, **kwargs)
    assert ws.status == {"path": 404, "protocol": 400, "origin": 403}[case]
    wait_log(bad_input.broker, {"path": "no MQTT endpoint at /elsewhere",
                                "protocol": 'no MQTT subprotocol offered (mqtt or mqttv3.1), got "chat"',
                                "origin": "origin https://evil.example is not allowed"}[case])


def test_allowed_origin_gets_in(bad_input, paho):
    connected(paho, bad_input.ws, "ws", ws_headers={"Origin": "https://good.example"})
    # Paho's own Origin (https://127.0.0.1:port) is not on the list.
    assert paho(bad_input.ws, "ws").connect(timeout=2) is None


def test_message_larger_than_max_frame_size(bad_input, raw_ws):
    ws = raw_ws(bad_input.ws)
    ws.send_frame(connect_packet("big-frame"))
    assert ws.recv_mqtt()[0] == 0x20
    ws.send_frame(publish_packet("t13/big", b"x" * 2000))
    assert ws.closed()
    assert ws.close_code == 1009  # message too big
    wait_log(bad_input.broker, "message larger than 1024 bytes (max_frame_size)")


def test_text_message_closes_the_connection(bad_input, raw_ws):
    """[MQTT-6.0.0-1] a data frame that is not binary closes the connection."""
    ws = raw_ws(bad_input.ws)
    ws.send_frame(connect_packet("text"), opcode=0x1)
    assert ws.closed()
    wait_log(bad_input.broker, "text message (MQTT needs binary messages [MQTT-6.0.0-1])")


# ---------------------------------------------------------------------------------------------
# Several listeners of each kind, and reload


def test_named_listeners_of_each_kind(broker_factory, paho, certs):
    ssl_a, ssl_b, ws_a, ws_b, wss_a = (free_port() for _ in range(5))
    conf = (tls_conf(certs, "ssl.one", ssl_a) + tls_conf(certs, "ssl.two", ssl_b) +
            f'listeners.ws.one {{ bind = "127.0.0.1:{ws_a}/mqtt" }}\n'
            f'listeners.ws.two {{ bind = "127.0.0.1:{ws_b}/mqtt" }}\n'
            f'listeners.wss.one {{ bind = "127.0.0.1:{wss_a}/mqtt" }}\n')
    b = broker_factory(extra_conf=conf)
    subs = [connected(paho, port, kind, certs=certs)
            for port, kind in ((ssl_a, "tls"), (ssl_b, "tls"), (ws_a, "ws"), (ws_b, "ws"),
                               (wss_a, "wss"))]
    for s in subs:
        s.subscribe("t13/named", 1)
    time.sleep(0.3)
    subs[0].publish("t13/named", b"to all", 1)
    for s in subs:
        assert s.expect().payload == b"to all"
    log = b.log_text()
    for key in ("listeners.ssl.one", "listeners.ssl.two", "listeners.ws.one", "listeners.ws.two",
                "listeners.wss.one"):
        assert f"({key})" in log


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def wait_for(predicate, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_reload_opens_and_closes_listeners_without_disturbing_connections(broker_factory, paho,
                                                                           certs, clients):
    b = broker_factory()
    tcp_client = clients(b, client_id="stays")
    tcp_client.subscribe("t13/reload", 1)
    ssl_port, ws_port = free_port(), free_port()
    base = b.config_text()
    b.conf_path.write_text(base + tls_conf(certs, "ssl", ssl_port) +
                           f'listeners.ws {{ bind = "127.0.0.1:{ws_port}/mqtt" }}\n')
    b.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: port_open(ssl_port) and port_open(ws_port)), b.log_text()[-2000:]
    t = connected(paho, ssl_port, "tls", certs=certs)
    w = connected(paho, ws_port, "ws")
    w.publish("t13/reload", b"via ws", 1)
    assert tcp_client.expect().payload == b"via ws"

    # The WebSocket listener goes; its client and the others stay connected.
    b.conf_path.write_text(base + tls_conf(certs, "ssl", ssl_port))
    b.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: not port_open(ws_port)), b.log_text()[-2000:]
    w.publish("t13/reload", b"ws client still here", 1)
    assert tcp_client.expect().payload == b"ws client still here"
    t.publish("t13/reload", b"tls client still here", 1)
    assert tcp_client.expect().payload == b"tls client still here"
    assert "listeners.ws) closed" in b.log_text() or "closed (listeners.ws)" in b.log_text()


def test_reload_with_a_bad_certificate_keeps_the_listener(broker_factory, paho, certs):
    port = free_port()
    b = broker_factory(extra_conf=tls_conf(certs, "ssl", port))
    connected(paho, port, "tls", certs=certs)  # running: SIGHUP is handled from now on
    b.conf_path.write_text(b.config_text().replace(str(certs / "server.key"), "/nonexistent.key"))
    b.proc.send_signal(signal.SIGHUP)
    wait_log(b, 'listeners.ssl keeps its previous settings')
    assert 'cannot read "/nonexistent.key"' in b.log_text()
    connected(paho, port, "tls", certs=certs)


# ---------------------------------------------------------------------------------------------
# Protocol versions, and the load generator's transports


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_tls_1_2_and_1_3(ports, certs, version):
    ctx = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, version)
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", ports.ssl), timeout=TIMEOUT),
                        server_hostname="localhost")
    try:
        assert s.version() == version.replace("_", ".")
        s.sendall(connect_packet(f"tls-{version}"))
        assert s.recv(4) == bytes([0x20, 0x02, 0x00, 0x00])
        # A forward-secret AEAD suite, whatever the version.
        name = s.cipher()[0]
        assert "GCM" in name or "CHACHA20" in name, name
    finally:
        s.close()


CLI = os.environ.get("NMQ_CLI", os.path.join(os.path.dirname(NMQ_BIN), "nanomq_cli"))


@pytest.mark.parametrize("kind", ["tls", "ws", "wss"])
def test_load_generator_over_each_transport(ports, certs, kind):
    """nanomq_cli bench (used by bench/run.py) speaks each transport: every QoS 1 message of
    two publishers reaches the subscriber, in order."""
    if not os.access(CLI, os.X_OK):
        pytest.skip(f"no nanomq_cli at {CLI}")
    port = {"tls": ports.ssl, "ws": ports.ws, "wss": ports.wss}[kind]
    flags = {"tls": ["--tls", "--cafile", str(certs / "ca.pem")], "ws": ["--ws"],
             "wss": ["--ws", "--tls", "--cafile", str(certs / "ca.pem")]}[kind]
    base = [CLI, "bench"]
    common = ["-h", "127.0.0.1", "-p", str(port), "--json", "--quiet", "-q", "1"] + flags
    sub = subprocess.Popen(base + ["sub"] + common + ["-c", "1", "-t", f"gen/{kind}/#", "-L",
                                                      "400", "-d", "20"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + TIMEOUT
        line = ""
        while "ready" not in line and time.time() < deadline:
            line = sub.stderr.readline()
        pub = subprocess.run(base + ["pub"] + common + ["-c", "2", "-t", f"gen/{kind}/%i", "-L",
                                                        "200", "-s", "64"],
                             capture_output=True, text=True, timeout=30)
        out, _ = sub.communicate(timeout=30)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    p = json.loads(pub.stdout.strip().splitlines()[-1])
    s = json.loads(out.strip().splitlines()[-1])
    assert (p["connected"], p["acked"]) == (2, 400), pub.stderr
    assert (s["received"], s["lost"], s["out_of_order"]) == (400, 0, 0)


def test_nanomqs_tls_start_options(broker_factory, paho, certs):
    """NanoMQ's start options: --url with a tls+nmq-tcp:// scheme picks the TLS listener, and
    --cacert, -E/--cert, --key, --verify, --fail configure it."""
    port = free_port()
    b = broker_factory(args=["--url", f"tls+nmq-tcp://127.0.0.1:{port}", "--cacert",
                         str(certs / "ca.pem"), "-E", str(certs / "server.pem"), "--key",
                         str(certs / "server.key"), "--verify", "--fail"])
    wait_port(port, b.proc)
    assert paho(port, "tls", certs=certs).connect(timeout=2) is None  # --fail: cert required
    good = connected(paho, port, "tls", certs=certs, cert="client")
    round_trip(good, good, "t13/cli", b"ok")


def test_nanomqs_websocket_url_option(broker_factory, paho):
    port = free_port()
    b = broker_factory(args=["--url", f"nmq-ws://127.0.0.1:{port}/mqtt"])
    wait_port(port, b.proc)
    c = connected(paho, port, "ws")
    round_trip(c, c, "t13/cli-ws", b"ok")
