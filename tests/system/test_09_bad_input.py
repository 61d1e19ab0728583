"""Malformed and hostile input on raw sockets. For every case the broker must close the bad
connection (MQTT 3.1.1 section 4.8 / MQTT 5.0 section 4.13: on a Malformed Packet or Protocol
Error the server MUST close the Network Connection; a 5.0 server SHOULD send DISCONNECT with
the reason code first, a 3.1.1 server sends nothing), AND a well-behaved client connected before
keeps working (QoS 1 round trip through the broker), AND the broker process is still alive.

Requirement ids quoted per version: 3.1.1 ids as [MQTT-x] (3.1.1), 5.0 ids as [MQTT-x] (5.0).
"""
import random
import socket
import struct
import time

import pytest

from conftest import TARGET, TIMEOUT, connect_packet, encode_varint, mqtt_str, packet
from util_part2 import (MAXIMUM_PACKET_SIZE, PINGREQ, Bystander, assert_closed_with_reason,
                        collect_until_close, connect5, read_until_close, prop, publish_packet,
                        raw_connect, subscribe_packet, unique, unsubscribe_packet)

VERSIONS = [4, 5]
MALFORMED = (0x81,)
PROTOCOL = (0x82,)
EITHER = (0x81, 0x82)


@pytest.fixture
def good(clients, broker):
    return Bystander(clients, broker)


def connected(raw, broker, version):
    r, _, rc, _ = raw_connect(raw, broker, version=version)
    assert rc == 0
    return r


def check_rejected(raw, broker, good, version, data, allowed=EITHER, pre=True):
    """Sends `data` (after a successful CONNECT when `pre`), expects the close, then checks the
    bystander."""
    if pre:
        r = connected(raw, broker, version)
    else:
        r = raw(broker)
    r.send(data)
    assert_closed_with_reason(r, allowed, version=version)
    good.check()


# ---------------------------------------------------------------------------------------------
# Framing


@pytest.mark.parametrize("version", VERSIONS)
def test_remaining_length_over_four_bytes(raw, broker, good, version):
    """3.1.1 section 2.2.3 / 5.0 [MQTT-1.5.5-1] and section 2.1.4: the Remaining Length is at
    most four bytes; a fifth continuation byte is malformed."""
    check_rejected(raw, broker, good, version, bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
                   allowed=MALFORMED)


def test_remaining_length_over_four_bytes_before_connect(raw, broker, good):
    """The same as the very first bytes on a connection."""
    check_rejected(raw, broker, good, 4, bytes([0x10, 0x80, 0x80, 0x80, 0x80, 0x01]), pre=False)


@pytest.mark.parametrize("version", VERSIONS)
def test_topic_length_past_end_of_packet(raw, broker, good, version):
    """A UTF-8 string whose length runs past the end of the packet is malformed (3.1.1 section
    1.5.3, 5.0 section 1.5.4 and 4.13)."""
    body = struct.pack("!H", 200) + b"a/b"
    check_rejected(raw, broker, good, version, packet(0x30, body), allowed=MALFORMED)


@pytest.mark.parametrize("version", VERSIONS)
def test_client_id_length_past_end_of_connect(raw, broker, good, version):
    """CONNECT whose Client Identifier length runs past the packet: closed (5.0: optionally
    after CONNACK 0x81, section 3.1.4)."""
    body = mqtt_str("MQTT") + bytes([version, 0x02]) + struct.pack("!H", 60)
    if version == 5:
        body += b"\x00"
    body += struct.pack("!H", 500) + b"short"
    r = raw(broker)
    r.send(packet(0x10, body))
    got = collect_until_close(r)
    assert got is not None, "broker kept a malformed CONNECT open"
    for first, b in got:
        assert first == 0x20 and b[1] != 0, "malformed CONNECT accepted"
    good.check()


@pytest.mark.parametrize("version", VERSIONS)
def test_property_length_past_end(raw, broker, good, version):
    """5.0 section 2.2.2: a Property Length past the end of the packet is malformed (for 3.1.1
    the same bytes are a PUBLISH whose payload is junk, which is fine, so only 5.0 is closed)."""
    body = mqtt_str(unique("plen")) + encode_varint(50) + b"\x01\x01"
    r = connected(raw, broker, version)
    r.send(packet(0x30, body))
    if version == 5:
        assert_closed_with_reason(r, MALFORMED, version=5)
    else:
        r.send(PINGREQ)
        assert r.recv_packet()[0] == 0xD0
    good.check()


# ---------------------------------------------------------------------------------------------
# Fixed-header flags and packet types


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("first,body,name", [
    (0x80, struct.pack("!H", 1) + mqtt_str("a") + b"\x00", "SUBSCRIBE flags 0000 [MQTT-3.8.1-1]"),
    (0xA0, struct.pack("!H", 1) + mqtt_str("a"), "UNSUBSCRIBE flags 0000 [MQTT-3.10.1-1]"),
    (0x60, struct.pack("!H", 1), "PUBREL flags 0000 [MQTT-3.6.1-1]"),
    pytest.param(0xC1, b"", "PINGREQ flags 0001", marks=pytest.mark.skipif(
        TARGET == "mosquitto", reason="mosquitto 2.0.11 ignores PINGREQ flags")),
    pytest.param(0x41, struct.pack("!H", 1), "PUBACK flags 0001", marks=pytest.mark.skipif(
        TARGET == "mosquitto", reason="mosquitto 2.0.11 ignores PUBACK flags")),
])
def test_reserved_fixed_header_flags(raw, broker, good, version, first, body, name):
    """3.1.1 [MQTT-2.2.2-1/2] and 5.0 [MQTT-2.1.3-1]: reserved flag bits must have the listed
    value; otherwise the packet is malformed and the connection is closed."""
    if version == 5 and first in (0x80, 0xA0):
        body = body[:2] + b"\x00" + body[2:]
    check_rejected(raw, broker, good, version, packet(first, body))


@pytest.mark.parametrize("version", VERSIONS)
def test_packet_type_zero(raw, broker, good, version):
    """Control packet type 0 is reserved (section 2.2.1 / 2.1.2)."""
    check_rejected(raw, broker, good, version, packet(0x00, b""))


def test_auth_packet_in_311(raw, broker, good):
    """Type 15 is reserved in 3.1.1 (AUTH exists only in 5.0)."""
    check_rejected(raw, broker, good, 4, packet(0xF0, b""))


@pytest.mark.parametrize("version", VERSIONS)
def test_connect_reserved_flag(raw, broker, good, version):
    """3.1.1 [MQTT-3.1.2-3] / 5.0 [MQTT-3.1.2-3]: the reserved CONNECT flag must be 0."""
    r = raw(broker)
    if version == 5:
        r.send(connect_packet(unique("rf"), version=5, flags_extra=0x01, props=b""))
    else:
        r.send(connect_packet(unique("rf"), version=4, flags_extra=0x01))
    got = collect_until_close(r)
    assert got is not None
    assert all(f == 0x20 and b[1] != 0 for f, b in got), "CONNECT with reserved flag accepted"
    good.check()


@pytest.mark.parametrize("version", VERSIONS)
def test_first_packet_not_connect(raw, broker, good, version):
    """3.1.1 / 5.0 [MQTT-3.1.0-1]: the first packet must be CONNECT."""
    check_rejected(raw, broker, good, version, publish_packet("a/b", b"x"), pre=False)


@pytest.mark.parametrize("version", VERSIONS)
def test_second_connect(raw, broker, good, version):
    """3.1.1 / 5.0 [MQTT-3.1.0-2]: a second CONNECT is a Protocol Error."""
    data = connect5(unique("again")) if version == 5 else connect_packet(unique("again"))
    check_rejected(raw, broker, good, version, data, allowed=PROTOCOL)


# ---------------------------------------------------------------------------------------------
# PUBLISH


@pytest.mark.parametrize("version", VERSIONS)
def test_publish_qos3(raw, broker, good, version):
    """3.1.1 / 5.0 [MQTT-3.3.1-4]: both QoS bits set is malformed."""
    body = mqtt_str("a/b") + struct.pack("!H", 1) + (b"\x00" if version == 5 else b"") + b"x"
    check_rejected(raw, broker, good, version, packet(0x36, body), allowed=MALFORMED)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("topic", [b"a/+/b", b"a/#", b"#", b"+"])
def test_publish_wildcard_topic(raw, broker, good, version, topic):
    """3.1.1 / 5.0 [MQTT-3.3.2-2]: the Topic Name in PUBLISH must not contain wildcards."""
    check_rejected(raw, broker, good, version,
                   publish_packet("", b"x", version=version, topic_bytes=topic),
                   allowed=EITHER + (0x90,))  # 0x90 Topic Name invalid


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("topic,why", [
    (b"a/\xff\xfe", "not UTF-8"),
    (b"a/\xed\xa0\x80", "UTF-16 surrogate U+D800 [MQTT-1.5.4-1]"),
    (b"a/\xc0\xaf", "overlong encoding"),
    (b"a/\x00b", "U+0000 [MQTT-1.5.4-2]"),
])
def test_publish_invalid_utf8_topic(raw, broker, good, version, topic, why):
    """5.0 [MQTT-1.5.4-1/2] (3.1.1 [MQTT-1.5.3-1/2]): UTF-8 strings must be well formed and must
    not contain U+0000; a server receiving one closes the connection."""
    check_rejected(raw, broker, good, version,
                   publish_packet("", b"x", version=version, topic_bytes=topic),
                   allowed=EITHER)


@pytest.mark.parametrize("version", VERSIONS)
def test_publish_empty_topic(raw, broker, good, version):
    """3.1.1 [MQTT-4.7.3-1] (5.0 the same, unless a Topic Alias is given): a topic is at least
    one character long."""
    check_rejected(raw, broker, good, version, publish_packet("", b"x", version=version))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("qos", [1, 2])
def test_publish_packet_id_zero(raw, broker, good, version, qos):
    """3.1.1 [MQTT-2.3.1-1] / 5.0 [MQTT-2.2.1-3]: a QoS > 0 PUBLISH has a non-zero Packet
    Identifier."""
    check_rejected(raw, broker, good, version,
                   publish_packet(unique("pid0"), b"x", qos=qos, pid=0, version=version))


# ---------------------------------------------------------------------------------------------
# SUBSCRIBE / UNSUBSCRIBE


@pytest.mark.parametrize("version", VERSIONS)
def test_subscribe_without_topics(raw, broker, good, version):
    """3.1.1 [MQTT-3.8.3-3] / 5.0 [MQTT-3.8.3-2]: SUBSCRIBE carries at least one filter."""
    check_rejected(raw, broker, good, version, subscribe_packet(1, [], version=version))


@pytest.mark.parametrize("version", VERSIONS)
def test_unsubscribe_without_topics(raw, broker, good, version):
    """3.1.1 [MQTT-3.10.3-2] / 5.0 [MQTT-3.10.3-2]: UNSUBSCRIBE carries at least one filter."""
    check_rejected(raw, broker, good, version, unsubscribe_packet(1, [], version=version))


@pytest.mark.parametrize("version", VERSIONS)
def test_subscribe_packet_id_zero(raw, broker, good, version):
    """3.1.1 [MQTT-2.3.1-1] / 5.0 [MQTT-2.2.1-3]: SUBSCRIBE has a non-zero Packet Identifier."""
    check_rejected(raw, broker, good, version,
                   subscribe_packet(0, [(unique("s0"), 1)], version=version))


@pytest.mark.parametrize("version", VERSIONS)
def test_subscribe_qos3(raw, broker, good, version):
    """3.1.1 [MQTT-3-8.3-4]: requested QoS 3 is malformed; 5.0 section 3.8.3.1: QoS 3 is a
    Malformed Packet."""
    check_rejected(raw, broker, good, version,
                   subscribe_packet(1, [(unique("sq3"), 3)], version=version))


@pytest.mark.parametrize("version", VERSIONS)
def test_subscribe_reserved_option_bits(raw, broker, good, version):
    """3.1.1 [MQTT-3-8.3-4]: the upper six bits of the requested QoS byte are reserved;
    5.0 [MQTT-3.8.3-5]: bits 6 and 7 of the Subscription Options are reserved; and Retain
    Handling 3 is a Protocol Error (section 3.8.3.1)."""
    opts = 0xC1 if version == 5 else 0x41
    check_rejected(raw, broker, good, version,
                   subscribe_packet(1, [(unique("sres"), opts)], version=version))
    if version == 5:
        check_rejected(raw, broker, good, version,
                       subscribe_packet(1, [(unique("srh3"), 0x31)], version=version))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("filt", [b"a/\xff", b"a/\x00", b"a/\xed\xa0\x80"])
def test_subscribe_invalid_utf8_filter(raw, broker, good, version, filt):
    """5.0 [MQTT-1.5.4-1/2] / 3.1.1 [MQTT-1.5.3-1/2] in a Topic Filter."""
    body = struct.pack("!H", 1) + (b"\x00" if version == 5 else b"") + \
        struct.pack("!H", len(filt)) + filt + b"\x01"
    r = connected(raw, broker, version)
    r.send(packet(0x82, body))
    assert_closed_with_reason(r, EITHER, version=version)
    good.check()


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("filt", ["a/#/b", "a/b#", "a+/b", "#/a"])
def test_subscribe_malformed_filter(raw, broker, good, version, filt):
    """3.1.1 / 5.0 [MQTT-4.7.1-1/2]: '#' only last and alone in its level, '+' alone in its
    level. The server either closes the connection or answers with a failure in SUBACK
    (3.1.1 0x80, 5.0 0x8F), both are found in conforming servers."""
    r = connected(raw, broker, version)
    r.send(subscribe_packet(9, [(filt, 1)], version=version))
    got, closed = read_until_close(r, timeout=1.0)
    if not closed:
        assert [f for f, _ in got] == [0x90], "neither SUBACK nor close"
    for f, b in got:
        assert f in (0x90, 0xE0)
        if f == 0x90:
            assert b[-1] >= 0x80, f"SUBACK granted {filt!r}"
    good.check()


# ---------------------------------------------------------------------------------------------
# Oversized packets (NanoMQ's mqtt.max_packet_size)


@pytest.mark.nmq_only
@pytest.mark.parametrize("version", VERSIONS)
def test_packet_over_max_packet_size(clients, broker_factory, raw, version):
    """mqtt.max_packet_size = 1KB: a packet over it closes the connection (5.0: DISCONNECT 0x95
    Packet too large, section 3.2.2.3.6); one under it is fine. A 5.0 CONNACK announcing a
    Maximum Packet Size announces at most 1024."""
    b = broker_factory(mqtt_conf="max_packet_size = 1KB")
    good = Bystander(clients, b)
    r, _, rc, props = raw_connect(raw, b, version=version)
    assert rc == 0
    if version == 5 and prop(props, MAXIMUM_PACKET_SIZE) is not None:
        assert prop(props, MAXIMUM_PACKET_SIZE) <= 1024
    r.send(publish_packet(unique("big"), b"s" * 500, qos=1, pid=1, version=version))
    assert r.recv_packet()[0] >> 4 == 4
    r.send(publish_packet(unique("big"), b"B" * 2048, qos=1, pid=2, version=version))
    assert_closed_with_reason(r, (0x95,), version=version)
    good.check()


@pytest.mark.nmq_only
def test_huge_remaining_length_is_not_buffered(clients, broker_factory, raw):
    """A header announcing 256 MB beyond max_packet_size is refused at once, without waiting
    for (or buffering) the body."""
    b = broker_factory(mqtt_conf="max_packet_size = 1KB")
    good = Bystander(clients, b)
    r = connected(raw, b, 4)
    r.send(bytes([0x30, 0xFF, 0xFF, 0xFF, 0x7F]) + b"\x00\x03a/b")
    assert collect_until_close(r, timeout=2.0) is not None
    good.check()


# ---------------------------------------------------------------------------------------------
# Slow, garbage, churn, silence


def test_slowloris_connect_byte_by_byte(raw, broker, good):
    """A CONNECT dribbled in byte by byte is still a CONNECT (TCP is a stream); meanwhile the
    broker keeps serving others."""
    r = raw(broker)
    data = connect_packet(unique("slow"), keepalive=30)
    for i, byte in enumerate(data):
        r.send(bytes([byte]))
        time.sleep(0.02)
        if i == len(data) // 2:
            good.check()
    first, body = r.recv_packet()
    assert first == 0x20 and body[1] == 0


def test_partial_packet_does_not_block_others(raw, broker, good):
    """50 connections each stuck in the middle of a packet (before and after CONNECT) do not
    stall the broker for anyone else."""
    stuck = []
    for i in range(25):
        r = raw(broker)
        r.send(connect_packet(unique("part"))[:5])
        stuck.append(r)
        r2 = connected(raw, broker, 4)
        r2.send(publish_packet("p/t", b"x" * 100)[:20])
        stuck.append(r2)
    good.check()
    good.check()


def test_partial_packet_closed_by_keep_alive(raw, broker, good):
    """3.1.1 [MQTT-3.1.2-24] / 5.0 [MQTT-3.1.2-22]: with Keep Alive 1 s, no complete Control
    Packet within 1.5 s closes the connection, even if a packet was started. (mosquitto checks
    keep-alive on a coarse timer and closes after about 5-6 s, hence its looser bound.)"""
    r, _, rc, _ = raw_connect(raw, broker, version=4, keepalive=1)
    r.send(bytes([0x30, 0x20, 0x00]))
    start = time.time()
    limit = 8.0 if TARGET == "mosquitto" else 3.0
    assert collect_until_close(r, timeout=limit) is not None, "stalled half packet kept open"
    assert time.time() - start >= 0.9
    good.check()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("after_connect", [False, True])
def test_random_garbage(raw, broker, good, seed, after_connect):
    """Seeded random bytes, before or after a valid CONNECT. The broker may close the
    connection or wait for more bytes (random data can look like the start of a long packet);
    it must not crash or stop serving others."""
    rnd = random.Random(seed)
    blob = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 600)))
    r = connected(raw, broker, 4) if after_connect else raw(broker)
    try:
        r.send(blob)
    except OSError:
        pass
    collect_until_close(r, timeout=0.3)
    good.check()


def test_random_garbage_many_connections(raw, broker, good):
    """100 garbage connections in a row, each closed abruptly by the client."""
    rnd = random.Random(99)
    for _ in range(100):
        s = socket.create_connection((broker.host, broker.port), timeout=TIMEOUT)
        try:
            if rnd.random() < 0.5:
                s.sendall(connect_packet(unique("g")))
            s.sendall(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 200))))
        except OSError:
            pass
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    good.check()


def test_connect_disconnect_1000_cycles(raw, broker, good):
    """1000 CONNECT / CONNACK / DISCONNECT cycles, alternating 3.1.1 and 5.0, half of them
    ending with an abrupt close instead of DISCONNECT; no leak that stops the broker
    accepting or serving."""
    start = time.time()
    for i in range(1000):
        version = 4 if i % 2 else 5
        s = socket.create_connection((broker.host, broker.port), timeout=TIMEOUT)
        s.sendall(connect5(f"cycle-{i % 7}") if version == 5 else connect_packet(f"cycle-{i % 7}"))
        head = s.recv(2)
        assert head[:1] == b"\x20", f"cycle {i}: no CONNACK"
        if i % 4 < 2:
            s.sendall(bytes([0xE0, 0x00]))
        s.close()
    good.check()
    assert time.time() - start < 60


@pytest.mark.nmq_only
def test_no_connect_is_closed(raw, broker, good):
    """5.0 section 3.1.4 / 3.1.1 section 3.1.4 (non-normative): a server that gets no CONNECT
    within a reasonable time SHOULD close the connection. We hold ourselves to 20 s."""
    r = raw(broker)
    start = time.time()
    assert collect_until_close(r, timeout=20.0) is not None, "silent connection kept open"
    good.check()
    assert time.time() - start > 0.5


@pytest.mark.nmq_only
@pytest.mark.parametrize("data,allowed", [
    (bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), MALFORMED),
    (packet(0x36, mqtt_str("a/b") + b"\x00\x01\x00x"), MALFORMED),
    (publish_packet("", b"x", version=5, topic_bytes=b"a/+"), EITHER + (0x90,)),
    (publish_packet("", b"x", version=5, topic_bytes=b"a/\x00"), EITHER),
    (publish_packet("q/t", b"x", qos=1, pid=0, version=5), EITHER),
    (subscribe_packet(1, [], version=5), EITHER),
    (connect5("again"), PROTOCOL),
    (packet(0x80, b"\x00\x01\x00" + mqtt_str("a") + b"\x00"), MALFORMED),
], ids=["varint", "qos3", "wildcard", "nul", "pid0", "nosubs", "connect2", "subflags"])
def test_v5_disconnect_reason_sent(raw, broker, good, data, allowed):
    """5.0 section 4.13: the server SHOULD send DISCONNECT with the reason code before closing;
    ours does, with the code of the error."""
    r = connected(raw, broker, 5)
    r.send(data)
    assert_closed_with_reason(r, allowed, version=5, require_disconnect=True)
    good.check()
