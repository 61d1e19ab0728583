"""Byte-level MQTT helpers for test_06..test_10: property encoding, packet builders, a PUBLISH
decoder, and checks that the broker survived a misbehaving client.

Everything here follows the OASIS texts (MQTT 3.1.1 section 2-3, MQTT 5.0 sections 1.5, 2.2.2
and 3), never our implementation.
"""
import socket
import struct
import time
import uuid

from conftest import TIMEOUT, connect_packet, encode_varint, mqtt_str, packet

# ---------------------------------------------------------------------------------------------
# MQTT 5.0 properties (section 2.2.2.2)

PAYLOAD_FORMAT_INDICATOR = 0x01
MESSAGE_EXPIRY_INTERVAL = 0x02
CONTENT_TYPE = 0x03
RESPONSE_TOPIC = 0x08
CORRELATION_DATA = 0x09
SUBSCRIPTION_IDENTIFIER = 0x0B
SESSION_EXPIRY_INTERVAL = 0x11
ASSIGNED_CLIENT_IDENTIFIER = 0x12
SERVER_KEEP_ALIVE = 0x13
AUTHENTICATION_METHOD = 0x15
REQUEST_PROBLEM_INFORMATION = 0x17
WILL_DELAY_INTERVAL = 0x18
REQUEST_RESPONSE_INFORMATION = 0x19
RESPONSE_INFORMATION = 0x1A
SERVER_REFERENCE = 0x1C
REASON_STRING = 0x1F
RECEIVE_MAXIMUM = 0x21
TOPIC_ALIAS_MAXIMUM = 0x22
TOPIC_ALIAS = 0x23
MAXIMUM_QOS = 0x24
RETAIN_AVAILABLE = 0x25
USER_PROPERTY = 0x26
MAXIMUM_PACKET_SIZE = 0x27
WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28
SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29
SHARED_SUBSCRIPTION_AVAILABLE = 0x2A

_BYTE = {PAYLOAD_FORMAT_INDICATOR, REQUEST_PROBLEM_INFORMATION, REQUEST_RESPONSE_INFORMATION,
         MAXIMUM_QOS, RETAIN_AVAILABLE, WILDCARD_SUBSCRIPTION_AVAILABLE,
         SUBSCRIPTION_IDENTIFIER_AVAILABLE, SHARED_SUBSCRIPTION_AVAILABLE}
_U16 = {SERVER_KEEP_ALIVE, RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS}
_U32 = {MESSAGE_EXPIRY_INTERVAL, SESSION_EXPIRY_INTERVAL, WILL_DELAY_INTERVAL, MAXIMUM_PACKET_SIZE}
_VARINT = {SUBSCRIPTION_IDENTIFIER}
_STR = {CONTENT_TYPE, RESPONSE_TOPIC, ASSIGNED_CLIENT_IDENTIFIER, AUTHENTICATION_METHOD,
        RESPONSE_INFORMATION, SERVER_REFERENCE, REASON_STRING}
_BIN = {CORRELATION_DATA, 0x16}
_PAIR = {USER_PROPERTY}


def encode_props(props):
    """props: list of (id, value); value is int, str/bytes, or (key, value) for user properties.
    Returns the property block including its Property Length."""
    out = bytearray()
    for pid, val in props:
        out += encode_varint(pid)
        if pid in _BYTE:
            out += bytes([val])
        elif pid in _U16:
            out += struct.pack("!H", val)
        elif pid in _U32:
            out += struct.pack("!I", val)
        elif pid in _VARINT:
            out += encode_varint(val)
        elif pid in _STR or pid in _BIN:
            out += mqtt_str(val)
        elif pid in _PAIR:
            out += mqtt_str(val[0]) + mqtt_str(val[1])
        else:
            raise ValueError(f"unknown property {pid:#x}")
    return encode_varint(len(out)) + bytes(out)


def decode_varint(buf, pos):
    mult, value = 1, 0
    for i in range(4):
        b = buf[pos]
        pos += 1
        value += (b & 0x7F) * mult
        mult *= 128
        if not b & 0x80:
            return value, pos
    raise ValueError("variable byte integer longer than 4 bytes")


def _str_at(buf, pos):
    n = struct.unpack_from("!H", buf, pos)[0]
    return bytes(buf[pos + 2:pos + 2 + n]), pos + 2 + n


def decode_props(buf, pos):
    """Decodes a property block at pos; returns (list of (id, value), new pos)."""
    length, pos = decode_varint(buf, pos)
    end = pos + length
    out = []
    while pos < end:
        pid, pos = decode_varint(buf, pos)
        if pid in _BYTE:
            val = buf[pos]
            pos += 1
        elif pid in _U16:
            val = struct.unpack_from("!H", buf, pos)[0]
            pos += 2
        elif pid in _U32:
            val = struct.unpack_from("!I", buf, pos)[0]
            pos += 4
        elif pid in _VARINT:
            val, pos = decode_varint(buf, pos)
        elif pid in _STR:
            raw_val, pos = _str_at(buf, pos)
            val = raw_val.decode()
        elif pid in _BIN:
            val, pos = _str_at(buf, pos)
        elif pid in _PAIR:
            k, pos = _str_at(buf, pos)
            v, pos = _str_at(buf, pos)
            val = (k.decode(), v.decode())
        else:
            raise ValueError(f"unknown property {pid:#x}")
        out.append((pid, val))
    assert pos == end, "property block overran its length"
    return out, pos


def prop(props, pid, default=None):
    for k, v in props:
        if k == pid:
            return v
    return default


def prop_all(props, pid):
    return [v for k, v in props if k == pid]


# ---------------------------------------------------------------------------------------------
# Packet builders

def connect5(client_id="raw5", clean=True, keepalive=60, props=()):
    return connect_packet(client_id, version=5, clean=clean, keepalive=keepalive,
                          props=_props_body(props))


def _props_body(props):
    """conftest.connect_packet prepends the Property Length itself."""
    block = encode_props(props)
    _, pos = decode_varint(block, 0)
    return block[pos:]


def publish_packet(topic, payload=b"", qos=0, pid=None, retain=False, dup=False, version=4,
                   props=(), topic_bytes=None):
    first = 0x30 | (qos << 1) | (0x01 if retain else 0) | (0x08 if dup else 0)
    body = mqtt_str(topic_bytes if topic_bytes is not None else topic)
    if qos:
        body += struct.pack("!H", pid if pid is not None else 1)
    if version == 5:
        body += encode_props(props)
    return packet(first, body + (payload.encode() if isinstance(payload, str) else payload))


def subscribe_packet(pid, filters, version=4, props=()):
    """filters: list of (filter, options byte)."""
    body = struct.pack("!H", pid)
    if version == 5:
        body += encode_props(props)
    for f, opts in filters:
        body += mqtt_str(f) + bytes([opts])
    return packet(0x82, body)


def unsubscribe_packet(pid, filters, version=4, props=()):
    body = struct.pack("!H", pid)
    if version == 5:
        body += encode_props(props)
    for f in filters:
        body += mqtt_str(f)
    return packet(0xA2, body)


def ack_packet(kind, pid, version=4, reason=None):
    """kind: 0x40 PUBACK, 0x50 PUBREC, 0x62 PUBREL, 0x70 PUBCOMP."""
    body = struct.pack("!H", pid)
    if version == 5 and reason is not None:
        body += bytes([reason])
    return packet(kind, body)


def disconnect_packet(version=4, reason=0, props=()):
    if version == 5 and (reason or props):
        return packet(0xE0, bytes([reason]) + encode_props(props))
    return packet(0xE0)


PINGREQ = packet(0xC0)

# ---------------------------------------------------------------------------------------------
# Decoders


def parse_publish(first, body, version=4):
    qos = (first >> 1) & 3
    pos = 0
    topic, pos = _str_at(body, pos)
    pid = None
    if qos:
        pid = struct.unpack_from("!H", body, pos)[0]
        pos += 2
    props = []
    if version == 5:
        props, pos = decode_props(body, pos)
    return dict(topic=topic, qos=qos, retain=bool(first & 1), dup=bool(first & 8), pid=pid,
                props=props, payload=bytes(body[pos:]))


def parse_connack(body, version=4):
    flags, rc = body[0], body[1]
    props = []
    if version == 5 and len(body) > 2:
        props, _ = decode_props(body, 2)
    return flags, rc, props


def parse_ack(first, body, version=4):
    """PUBACK/PUBREC/PUBREL/PUBCOMP/UNSUBACK (5.0) header: (pid, reason, props)."""
    pid = struct.unpack_from("!H", body, 0)[0]
    reason, props = 0, []
    if version == 5 and len(body) > 2:
        reason = body[2]
        if len(body) > 3:
            props, _ = decode_props(body, 3)
    return pid, reason, props


def parse_suback(body, version=4):
    """SUBACK / UNSUBACK: (pid, props, list of reason codes)."""
    pid = struct.unpack_from("!H", body, 0)[0]
    pos = 2
    props = []
    if version == 5:
        props, pos = decode_props(body, pos)
    return pid, props, list(body[pos:])


# ---------------------------------------------------------------------------------------------
# Raw session helpers


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def raw_connect(raw, broker, client_id=None, version=4, clean=True, keepalive=60, props=()):
    """Opens a raw connection, sends CONNECT and reads the CONNACK.
    Returns (Raw, flags, rc, connack props)."""
    r = raw(broker)
    cid = client_id if client_id is not None else unique("raw")
    if version == 5:
        r.send(connect5(cid, clean=clean, keepalive=keepalive, props=props))
    else:
        r.send(connect_packet(cid, version=version, clean=clean, keepalive=keepalive))
    first, body = r.recv_packet()
    assert first == 0x20, f"expected CONNACK, got {first:#x}"
    flags, rc, cprops = parse_connack(body, version)
    return r, flags, rc, cprops


def raw_subscribe(r, filters, pid=1, version=4, props=()):
    if isinstance(filters, str):
        filters = [(filters, 1)]
    r.send(subscribe_packet(pid, filters, version, props))
    first, body = r.recv_packet()
    assert first == 0x90, f"expected SUBACK, got {first:#x}"
    got_pid, sprops, codes = parse_suback(body, version)
    assert got_pid == pid
    return codes


def recv_packet_timeout(r, timeout):
    """Returns (first, body), or None when nothing arrives within timeout."""
    r.s.settimeout(timeout)
    try:
        first = r.s.recv(1)
    except socket.timeout:
        return None
    finally:
        r.s.settimeout(TIMEOUT)
    if not first:
        raise ConnectionError("closed by broker")
    mult, length = 1, 0
    for _ in range(4):
        b = r.recv_exact(1)[0]
        length += (b & 0x7F) * mult
        mult *= 128
        if not b & 0x80:
            break
    return first[0], r.recv_exact(length)


def read_until_close(r, timeout=TIMEOUT):
    """Reads packets until the broker closes the connection or `timeout` passes.
    Returns (list of (first, body) received, closed?)."""
    deadline = time.time() + timeout
    buf = b""
    closed = False
    while True:
        left = deadline - time.time()
        if left <= 0:
            break
        r.s.settimeout(left)
        try:
            data = r.s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            closed = True
            break
        except socket.timeout:
            break
        if not data:
            closed = True
            break
        buf += data
    r.s.settimeout(TIMEOUT)
    got = []
    pos = 0
    while pos < len(buf):  # split into packets; a truncated tail is ignored
        first = buf[pos]
        try:
            length, p = decode_varint(buf, pos + 1)
        except (IndexError, ValueError):
            break
        if p + length > len(buf):
            break
        got.append((first, buf[p:p + length]))
        pos = p + length
    return got, closed


def collect_until_close(r, timeout=TIMEOUT):
    """Reads packets until the broker closes the connection.
    Returns the list of (first, body) received before the close, or None when the connection
    is still open after timeout."""
    got, closed = read_until_close(r, timeout)
    return got if closed else None


def assert_closed_with_reason(r, allowed, version=5, timeout=TIMEOUT, require_disconnect=False):
    """The broker must close the connection. For 5.0, a DISCONNECT sent first (which the spec
    says it SHOULD send, section 4.13) must carry one of `allowed` reason codes; 3.1.1 has no
    server DISCONNECT at all [MQTT-3.14.1]. Returns the DISCONNECT reason or None."""
    got = collect_until_close(r, timeout)
    assert got is not None, "broker did not close the connection"
    disconnects = [body for first, body in got if first == 0xE0]
    if version != 5:
        assert not disconnects, "a 3.1.1 server never sends DISCONNECT"
        return None
    if not disconnects:
        assert not require_disconnect, "no DISCONNECT before close"
        return None
    body = disconnects[-1]
    reason = body[0] if body else 0
    assert reason in allowed, f"DISCONNECT reason {reason:#x}, expected one of {[hex(a) for a in allowed]}"
    return reason


# ---------------------------------------------------------------------------------------------
# The well-behaved bystander


class Bystander:
    """A well-behaved Paho client connected before a misbehaving one; `check()` proves the
    broker still routes for it (QoS 1 round trip through the broker)."""

    def __init__(self, clients, broker, version=4):
        self.broker = broker
        self.topic = unique("bystander")
        self.c = clients(broker, client_id=unique("good"), version=version)
        self.c.subscribe(self.topic, 1)
        self.n = 0

    def check(self):
        assert self.broker.alive(), f"broker died:\n{self.broker.log_text()[-3000:]}"
        self.n += 1
        payload = f"still-alive-{self.n}".encode()
        self.c.publish(self.topic, payload, qos=1)
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            m = self.c.expect(timeout=max(0.01, deadline - time.time()))
            if m.payload == payload:
                return
        raise AssertionError("bystander round trip failed")
