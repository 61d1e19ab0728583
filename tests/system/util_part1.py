"""Byte-level helpers for the system tests of areas 01-05 (connect, subscribe, publish, retain,
will): build MQTT 3.1 / 3.1.1 / 5.0 packets, parse what the broker sends back, and a few Paho
conveniences. Everything here follows the OASIS specifications, not our implementation.
"""
import socket
import struct
import time

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from conftest import TIMEOUT, encode_varint, mqtt_str, packet

# Control packet types (high nibble of the first byte).
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = 8, 9, 10, 11, 12, 13, 14, 15

PINGREQ_BYTES = b"\xc0\x00"
PINGRESP_BYTES = b"\xd0\x00"

# MQTT 5.0 property identifiers and their wire types (section 2.2.2.2).
P_PAYLOAD_FORMAT, P_MESSAGE_EXPIRY, P_CONTENT_TYPE = 0x01, 0x02, 0x03
P_RESPONSE_TOPIC, P_CORRELATION_DATA, P_SUBSCRIPTION_ID = 0x08, 0x09, 0x0B
P_SESSION_EXPIRY, P_ASSIGNED_CLIENT_ID, P_SERVER_KEEP_ALIVE = 0x11, 0x12, 0x13
P_WILL_DELAY, P_RECEIVE_MAXIMUM, P_REASON_STRING, P_USER_PROPERTY = 0x18, 0x21, 0x1F, 0x26
P_MAXIMUM_QOS, P_RETAIN_AVAILABLE = 0x24, 0x25

_BYTE = {0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A}
_U16 = {0x13, 0x21, 0x22, 0x23}
_U32 = {0x02, 0x11, 0x18, 0x27}
_VARINT = {0x0B}
_STRING = {0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F}
_BINARY = {0x09, 0x16}
_PAIR = {0x26}


def encode_props(*items):
    """items: (identifier, value) pairs; a user property's value is a (name, value) tuple.
    Returns the property block with its length prefix."""
    body = b""
    for pid, value in items:
        body += bytes([pid])
        if pid in _BYTE:
            body += bytes([value])
        elif pid in _U16:
            body += struct.pack(">H", value)
        elif pid in _U32:
            body += struct.pack(">I", value)
        elif pid in _VARINT:
            body += encode_varint(value)
        elif pid in _STRING or pid in _BINARY:
            body += mqtt_str(value)
        elif pid in _PAIR:
            body += mqtt_str(value[0]) + mqtt_str(value[1])
        else:
            raise ValueError(f"unknown property {pid:#x}")
    return encode_varint(len(body)) + body


def decode_varint(data, pos=0):
    mult, value = 1, 0
    for _ in range(4):
        b = data[pos]
        pos += 1
        value += (b & 0x7F) * mult
        mult *= 128
        if not b & 0x80:
            return value, pos
    raise ValueError("malformed variable byte integer")


def decode_props(data, pos=0):
    """Parses a length-prefixed property block at data[pos:]. Returns (dict, next_pos).
    User properties become a list of (name, value); subscription ids a list of ints."""
    length, pos = decode_varint(data, pos)
    end = pos + length
    props = {}
    while pos < end:
        pid = data[pos]
        pos += 1
        if pid in _BYTE:
            value = data[pos]
            pos += 1
        elif pid in _U16:
            value = struct.unpack_from(">H", data, pos)[0]
            pos += 2
        elif pid in _U32:
            value = struct.unpack_from(">I", data, pos)[0]
            pos += 4
        elif pid in _VARINT:
            value, pos = decode_varint(data, pos)
        elif pid in _STRING or pid in _BINARY:
            n = struct.unpack_from(">H", data, pos)[0]
            value = bytes(data[pos + 2:pos + 2 + n])
            if pid in _STRING:
                value = value.decode()
            pos += 2 + n
        elif pid in _PAIR:
            n = struct.unpack_from(">H", data, pos)[0]
            k = bytes(data[pos + 2:pos + 2 + n]).decode()
            pos += 2 + n
            n = struct.unpack_from(">H", data, pos)[0]
            v = bytes(data[pos + 2:pos + 2 + n]).decode()
            pos += 2 + n
            value = (k, v)
        else:
            raise ValueError(f"unknown property {pid:#x}")
        if pid in _PAIR or pid in _VARINT:
            props.setdefault(pid, []).append(value)
        else:
            props[pid] = value
    if pos != end:
        raise ValueError("property block overrun")
    return props, end


# ---------------------------------------------------------------------------- packet builders

def connect(client_id="raw", version=4, clean=True, keepalive=60, props=None, will=None,
            username=None, password=None, flags_extra=0, protocol_name=None):
    """A CONNECT packet. will: dict(topic, payload, qos=0, retain=False, props=None).
    props / will['props']: tuples for encode_props (5.0 only)."""
    name = protocol_name if protocol_name is not None else (b"MQIsdp" if version == 3 else b"MQTT")
    flags = (0x02 if clean else 0) | flags_extra
    if will is not None:
        flags |= 0x04 | (will.get("qos", 0) << 3) | (0x20 if will.get("retain") else 0)
    if username is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    body = mqtt_str(name) + bytes([version, flags]) + struct.pack(">H", keepalive)
    if version == 5:
        body += encode_props(*(props or ()))
    body += mqtt_str(client_id)
    if will is not None:
        if version == 5:
            body += encode_props(*(will.get("props") or ()))
        body += mqtt_str(will["topic"]) + mqtt_str(will.get("payload", b""))
    if username is not None:
        body += mqtt_str(username)
    if password is not None:
        body += mqtt_str(password)
    return packet(0x10, body)


def publish(topic, payload=b"", qos=0, pid=None, retain=False, dup=False, version=4, props=()):
    first = 0x30 | (0x08 if dup else 0) | (qos << 1) | (0x01 if retain else 0)
    body = mqtt_str(topic)
    if qos > 0:
        body += struct.pack(">H", pid if pid is not None else 1)
    if version == 5:
        body += encode_props(*props)
    body += payload if isinstance(payload, bytes) else payload.encode()
    return packet(first, body)


def ack(kind, pid, version=4, reason=None):
    """PUBACK / PUBREC / PUBREL / PUBCOMP. With reason=None, the short form (success)."""
    first = {PUBACK: 0x40, PUBREC: 0x50, PUBREL: 0x62, PUBCOMP: 0x70}[kind]
    body = struct.pack(">H", pid)
    if version == 5 and reason is not None:
        body += bytes([reason])
    return packet(first, body)


def subscribe(pid, filters, version=4, props=(), first=0x82):
    """filters: list of (topic_filter, options_byte) where options is the requested QoS for
    3.1.1 and the subscription options byte for 5.0."""
    body = struct.pack(">H", pid)
    if version == 5:
        body += encode_props(*props)
    for flt, opts in filters:
        body += mqtt_str(flt) + bytes([opts])
    return packet(first, body)


def sub_options(qos=0, no_local=False, retain_as_published=False, retain_handling=0):
    return qos | (0x04 if no_local else 0) | (0x08 if retain_as_published else 0) | (retain_handling << 4)


def unsubscribe(pid, filters, version=4, first=0xA2):
    body = struct.pack(">H", pid)
    if version == 5:
        body += encode_props()
    for flt in filters:
        body += mqtt_str(flt)
    return packet(first, body)


def disconnect(version=4, reason=None, props=()):
    if version == 5 and reason is not None:
        return packet(0xE0, bytes([reason]) + encode_props(*props))
    return b"\xe0\x00"


# ---------------------------------------------------------------------------- parsing

class Packet:
    """One packet received from the broker."""

    def __init__(self, first, body, version=4):
        self.first, self.body, self.version = first, bytes(body), version
        self.type = first >> 4
        self.flags = first & 0x0F

    def raw_bytes(self):
        return bytes([self.first]) + encode_varint(len(self.body)) + self.body

    def __repr__(self):
        return f"Packet(type={self.type}, flags={self.flags:#x}, body={self.body[:40]!r})"

    # PUBLISH
    @property
    def qos(self):
        return (self.flags >> 1) & 3

    @property
    def retain(self):
        return bool(self.flags & 1)

    @property
    def dup(self):
        return bool(self.flags & 8)

    def publish(self):
        """(topic, packet_id or None, properties dict, payload)"""
        assert self.type == PUBLISH, self
        n = struct.unpack_from(">H", self.body, 0)[0]
        topic = self.body[2:2 + n].decode()
        pos = 2 + n
        pid = None
        if self.qos:
            pid = struct.unpack_from(">H", self.body, pos)[0]
            pos += 2
        props = {}
        if self.version == 5:
            props, pos = decode_props(self.body, pos)
        return topic, pid, props, self.body[pos:]

    @property
    def packet_id(self):
        if self.type == PUBLISH:
            return self.publish()[1]
        return struct.unpack_from(">H", self.body, 0)[0]

    def connack(self):
        """(session_present, reason_code, properties dict)"""
        assert self.type == CONNACK, self
        props = {}
        if self.version == 5 and len(self.body) > 2:
            props, _ = decode_props(self.body, 2)
        return bool(self.body[0] & 1), self.body[1], props

    def reason_codes(self):
        """SUBACK return codes, or 5.0 UNSUBACK reason codes."""
        pos = 2
        if self.version == 5:
            _, pos = decode_props(self.body, pos)
        return list(self.body[pos:])

    def ack_reason(self):
        """Reason code of a 5.0 PUBACK/PUBREC/PUBREL/PUBCOMP/DISCONNECT (0 when omitted)."""
        if self.type == DISCONNECT:
            return self.body[0] if self.body else 0
        return self.body[2] if len(self.body) > 2 else 0


def recv(r, version=4, timeout=TIMEOUT):
    """The next packet from a conftest.Raw connection. Raises socket.timeout, or
    ConnectionError when the broker closed the connection."""
    r.s.settimeout(timeout)
    first, body = r.recv_packet()
    return Packet(first, body, version)


def recv_none(r, timeout=0.5):
    """Asserts the broker sends nothing for `timeout` seconds (and keeps the connection)."""
    r.s.settimeout(timeout)
    try:
        data = r.s.recv(1)
    except socket.timeout:
        return
    if not data:
        raise AssertionError("connection closed by the broker")
    raise AssertionError(f"unexpected data from the broker: first byte {data[0]:#x}")


def recv_until_close(r, version=4, timeout=TIMEOUT):
    """Reads everything until the broker closes the connection. Returns the list of packets
    sent before the close, or raises AssertionError if the connection stays open."""
    r.s.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    try:
        while True:
            r.s.settimeout(max(0.01, deadline - time.time()))
            chunk = r.s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        raise AssertionError(f"the broker did not close the connection within {timeout}s")
    out = []
    pos = 0
    while pos < len(data):
        first = data[pos]
        try:
            length, p = decode_varint(data, pos + 1)
        except IndexError:
            break
        out.append(Packet(first, data[p:p + length], version))
        pos = p + length
    return out


def handshake(r, client_id="raw", version=4, clean=True, keepalive=60, **kwargs):
    """Sends CONNECT and returns the CONNACK as (session_present, reason_code, props)."""
    r.send(connect(client_id, version=version, clean=clean, keepalive=keepalive, **kwargs))
    p = recv(r, version)
    assert p.type == CONNACK, f"expected CONNACK, got {p}"
    return p.connack()


def raw_subscribe(r, filters, version=4, pid=1, props=()):
    """Subscribes and returns the SUBACK reason codes."""
    r.send(subscribe(pid, filters, version, props))
    p = recv(r, version)
    assert p.type == SUBACK, f"expected SUBACK, got {p}"
    assert p.packet_id == pid, "[MQTT-3.8.4-2] SUBACK must carry the SUBSCRIBE packet identifier"
    return p.reason_codes()


def expect_closed_without_success(r, version=4, timeout=TIMEOUT):
    """For a refused CONNECT: any CONNACK must carry a failure code, then the connection closes.
    Returns the packets received."""
    pkts = recv_until_close(r, version, timeout)
    for p in pkts:
        if p.type == CONNACK:
            assert p.body[1] != 0, "the CONNECT must not be accepted"
    return pkts


def alive(r, version=4, timeout=TIMEOUT):
    """True when the connection still answers PINGREQ with PINGRESP."""
    try:
        r.send(PINGREQ_BYTES)
        p = recv(r, version, timeout)
    except (OSError, ConnectionError):
        return False
    return p.type == PINGRESP


# ---------------------------------------------------------------------------- Paho conveniences

def props(packet_type, **values):
    """Paho Properties, e.g. props(PacketTypes.CONNECT, SessionExpiryInterval=60)."""
    p = Properties(packet_type)
    for k, v in values.items():
        setattr(p, k, v)
    return p


def connect_props(**values):
    return props(PacketTypes.CONNECT, **values)


def publish_props(**values):
    return props(PacketTypes.PUBLISH, **values)


def will_props(**values):
    return props(PacketTypes.WILLMESSAGE, **values)


def opts(qos=0, no_local=False, retain_as_published=False, retain_handling=0):
    return SubscribeOptions(qos=qos, noLocal=no_local, retainAsPublished=retain_as_published,
                            retainHandling=retain_handling)


def granted(codes):
    """Paho gives ints for 3.1.1 and ReasonCodes for 5.0; make them ints."""
    return [c if isinstance(c, int) else c.value for c in codes]


def wait_for(predicate, timeout=TIMEOUT, interval=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def settle(sub, pub, topic="nmq/settle"):
    """Makes sure the broker has processed everything `sub` sent so far by a round trip through
    `pub`: useful before publishing right after a subscribe issued by another path."""
    sub.subscribe(topic, 1)
    pub.publish(topic, b"x", qos=1)
    m = sub.expect()
    assert m.topic == topic
    sub.unsubscribe(topic)


def drop(c):
    """Close the TCP connection without DISCONNECT (conftest's Client.kill())."""
    c.kill()


def collect(subs, expected_total, timeout=TIMEOUT, grace=0.2):
    """Waits until `subs` (Client objects) have received `expected_total` messages between them,
    then `grace` seconds more for any extra; returns one list of messages per client."""
    wait_for(lambda: sum(c.messages.qsize() for c in subs) >= expected_total, timeout)
    time.sleep(grace)
    out = []
    for c in subs:
        got = []
        while not c.messages.empty():
            got.append(c.messages.get_nowait())
        out.append(got)
    return out


