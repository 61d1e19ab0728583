"""Area 03: PUBLISH and the QoS 0/1/2 flows in both directions, ordering, volume, large
payloads, re-delivery on session resume.

Checked against the OASIS MQTT 3.1.1 and 5.0 specifications (requirement ids quoted in each
test). Where the specification lets a server choose, the test accepts every conforming choice.
"""
import pytest

from util_part1 import (
    DISCONNECT, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL,
    P_SESSION_EXPIRY, ack, alive, collect, wait_for, handshake, publish, raw_subscribe, recv,
    recv_none, recv_until_close,
)



# ------------------------------------------------------------------------- QoS matrix

@pytest.mark.parametrize("pub_qos", [0, 1, 2])
@pytest.mark.parametrize("version", [3, 4, 5])
def test_qos_matrix(broker, clients, version, pub_qos):
    """[MQTT-3.8.4-6] (3.1.1) / [MQTT-3.8.4-8] (5.0): delivered QoS = min(published QoS, granted
    QoS), for every published QoS x subscribed QoS."""
    sub = clients(broker, client_id=f"mx-sub{version}", version=version)
    for q in range(3):
        sub.subscribe(f"mx/{q}", q)
    pub = clients(broker, client_id=f"mx-pub{version}", version=version)
    for q in range(3):
        pub.publish(f"mx/{q}", f"p{pub_qos}s{q}".encode(), qos=pub_qos)
    [got] = collect([sub], 3)
    assert sorted((m.topic, m.payload, m.qos) for m in got) == [
        (f"mx/{q}", f"p{pub_qos}s{q}".encode(), min(pub_qos, q)) for q in range(3)]
    assert all(not m.retain and not m.dup for m in got)


# ------------------------------------------------------------------------- client -> server

@pytest.mark.parametrize("version", [4, 5])
def test_qos0_publish_no_response(broker, raw, clients, version):
    """[MQTT-4.3.1-1] QoS 0: no acknowledgement; the message is delivered."""
    sub = clients(broker, client_id="q0-sub")
    sub.subscribe("q0/t", 0)
    r = raw(broker)
    handshake(r, "q0-pub", version=version)
    r.send(publish("q0/t", b"fire", qos=0, version=version))
    assert sub.expect().payload == b"fire"
    recv_none(r, 0.3)


def test_qos1_puback_bytes_v311(broker, raw, clients):
    """[MQTT-4.3.2-2] the receiver answers a QoS 1 PUBLISH with PUBACK carrying its Packet
    Identifier [MQTT-2.3.1-6]: exactly 40 02 <id>."""
    sub = clients(broker, client_id="q1-sub")
    sub.subscribe("q1/t", 1)
    r = raw(broker)
    handshake(r, "q1-pub")
    r.send(publish("q1/t", b"one", qos=1, pid=0xBEEF))
    assert r.recv_exact(4) == b"\x40\x02\xbe\xef"
    assert sub.expect().payload == b"one"


def test_qos1_puback_v5(broker, raw):
    """5.0 3.4: PUBACK with the Packet Identifier; reason 0x00, or 0x10 (No matching subscribers)
    since nobody subscribed."""
    r = raw(broker)
    handshake(r, "q1-pub5", version=5)
    r.send(publish("q1/none", b"one", qos=1, pid=3, version=5))
    p = recv(r, 5)
    assert p.type == PUBACK and p.flags == 0 and p.packet_id == 3
    assert p.ack_reason() in (0x00, 0x10)


@pytest.mark.parametrize("version", [4, 5])
def test_qos2_inbound_exchange_and_duplicate(broker, raw, clients, version):
    """QoS 2 receiver rules, [MQTT-4.3.3-2] (3.1.1) / [MQTT-4.3.3-8..12] (5.0): PUBREC for the
    PUBLISH; a repeated PUBLISH with the same Packet Identifier before PUBREL gets another PUBREC
    and is NOT delivered twice [MQTT-4.3.3-10]; PUBREL -> PUBCOMP; after PUBCOMP the same
    identifier starts a new publication."""
    sub = clients(broker, client_id="q2in-sub")
    sub.subscribe("q2in/t", 2)
    r = raw(broker)
    handshake(r, "q2in-pub", version=version)

    def expect_ack(kind, pid, first):
        p = recv(r, version)
        assert (p.type, p.first, p.packet_id) == (kind, first, pid), p
        if version == 4:
            assert len(p.body) == 2
        else:
            assert p.ack_reason() in (0x00, 0x10)

    r.send(publish("q2in/t", b"exactly-once", qos=2, pid=7, version=version))
    expect_ack(PUBREC, 7, 0x50)
    r.send(publish("q2in/t", b"exactly-once", qos=2, pid=7, dup=True, version=version))
    expect_ack(PUBREC, 7, 0x50)
    r.send(ack(PUBREL, 7))
    expect_ack(PUBCOMP, 7, 0x70)
    m = sub.expect()
    assert (m.payload, m.qos) == (b"exactly-once", 2)
    sub.expect_none(0.4)

    r.send(publish("q2in/t", b"second", qos=2, pid=7, version=version))
    expect_ack(PUBREC, 7, 0x50)
    r.send(ack(PUBREL, 7))
    expect_ack(PUBCOMP, 7, 0x70)
    assert sub.expect().payload == b"second"
    sub.expect_none(0.3)


@pytest.mark.nmq_only
@pytest.mark.parametrize("version", [4, 5])
def test_qos2_inbound_repeated_duplicates(broker, raw, clients, version):
    """[MQTT-4.3.3-2] / [MQTT-4.3.3-10]: *any* subsequent PUBLISH with the identifier, until
    PUBREL, gets a PUBREC and no second delivery: here four retransmissions. (mosquitto 2.0.11
    treats the second retransmission as a protocol error, hence nmq_only.)"""
    sub = clients(broker, client_id="q2dup-sub")
    sub.subscribe("q2dup/t", 2)
    r = raw(broker)
    handshake(r, "q2dup-pub", version=version)
    for i in range(5):
        r.send(publish("q2dup/t", b"once", qos=2, pid=9, dup=i > 0, version=version))
        p = recv(r, version)
        assert (p.type, p.packet_id) == (PUBREC, 9)
    r.send(ack(PUBREL, 9))
    p = recv(r, version)
    assert (p.type, p.packet_id) == (PUBCOMP, 9)
    assert sub.expect().payload == b"once"
    sub.expect_none(0.4)


def test_qos2_pubrel_unknown_id(broker, raw):
    """A PUBREL is always answered with PUBCOMP with the same identifier ([MQTT-4.3.3-2] 3.1.1;
    5.0 [MQTT-4.3.3-11], reason 0x92 Packet Identifier not found, or 0x00)."""
    r = raw(broker)
    handshake(r, "relunk")
    r.send(ack(PUBREL, 0x0909))
    assert r.recv_exact(4) == b"\x70\x02\x09\x09"
    r5 = raw(broker)
    handshake(r5, "relunk5", version=5)
    r5.send(ack(PUBREL, 0x0A0A))
    p = recv(r5, 5)
    assert p.type == PUBCOMP and p.packet_id == 0x0A0A
    assert p.ack_reason() in (0x00, 0x92)


@pytest.mark.parametrize("first", [0x60, 0x63, 0x6A])
def test_pubrel_reserved_flags(broker, raw, first):
    """[MQTT-3.6.1-1] PUBREL fixed-header flags must be 0010, else close [MQTT-2.2.2-2]."""
    r = raw(broker)
    handshake(r, "relflags")
    r.send(publish("t", b"x", qos=2, pid=1))
    assert recv(r).type == PUBREC
    r.send(bytes([first]) + b"\x02\x00\x01")
    assert all(p.type != PUBCOMP for p in recv_until_close(r))


# ------------------------------------------------------------------------- server -> client

@pytest.mark.parametrize("version", [4, 5])
def test_qos0_outbound_packet(broker, raw, clients, version):
    """[MQTT-2.3.1-5] a QoS 0 PUBLISH has no Packet Identifier; [MQTT-3.3.1-2] DUP 0."""
    r = raw(broker)
    handshake(r, "out0", version=version)
    raw_subscribe(r, [("out/0", 0)], version)
    clients(broker, client_id="out0-pub").publish("out/0", b"zero", qos=2)
    p = recv(r, version)
    assert p.type == PUBLISH and p.flags == 0
    topic, pid, props, payload = p.publish()
    assert (topic, pid, payload) == ("out/0", None, b"zero")


@pytest.mark.parametrize("version", [4, 5])
def test_qos1_outbound_flow(broker, raw, clients, version):
    """[MQTT-4.3.2-1] the sender assigns a non-zero Packet Identifier [MQTT-2.3.1-1], QoS 1,
    DUP 0; after our PUBACK it does not re-send."""
    r = raw(broker)
    handshake(r, "out1", version=version)
    raw_subscribe(r, [("out/1", 1)], version)
    clients(broker, client_id="out1-pub").publish("out/1", b"one", qos=1)
    p = recv(r, version)
    assert p.type == PUBLISH and p.qos == 1 and not p.dup and not p.retain
    topic, pid, _, payload = p.publish()
    assert pid and (topic, payload) == ("out/1", b"one")
    r.send(ack(PUBACK, pid))
    recv_none(r, 0.5)


@pytest.mark.parametrize("version", [4, 5])
def test_qos2_outbound_flow(broker, raw, clients, version):
    """[MQTT-4.3.3-1] QoS 2 sender: PUBLISH QoS 2 DUP 0 with a non-zero id; on PUBREC it sends
    PUBREL (flags 0010 [MQTT-3.6.1-1]) with the same id [MQTT-2.3.1-6]; after PUBREL it never
    re-sends the PUBLISH; after PUBCOMP the exchange is over."""
    r = raw(broker)
    handshake(r, "out2", version=version)
    raw_subscribe(r, [("out/2", 2)], version)
    clients(broker, client_id="out2-pub").publish("out/2", b"two", qos=2)
    p = recv(r, version)
    assert p.type == PUBLISH and p.qos == 2 and not p.dup
    topic, pid, _, payload = p.publish()
    assert pid and (topic, payload) == ("out/2", b"two")
    r.send(ack(PUBREC, pid))
    rel = recv(r, version)
    assert rel.type == PUBREL and rel.first == 0x62 and rel.packet_id == pid
    if version == 4:
        assert rel.body == pid.to_bytes(2, "big")
    else:
        assert rel.ack_reason() == 0
    r.send(ack(PUBCOMP, pid))
    recv_none(r, 0.5)
    assert alive(r, version)


# ------------------------------------------------------------------------- malformed PUBLISH

@pytest.mark.parametrize("topic", ["a/+", "a/#", "+", "#", "a/b+/c"])
@pytest.mark.parametrize("version", [4, 5])
def test_publish_topic_with_wildcard(broker, raw, clients, topic, version):
    """[MQTT-3.3.2-2] the Topic Name in a PUBLISH must not contain wildcards: the server closes
    the connection (5.0: optionally after DISCONNECT 0x90 / 0x81 / 0x82; or, in 5.0, it may
    refuse just the message with PUBACK 0x90 Topic Name invalid). Nothing is delivered."""
    sub = clients(broker, client_id="wild-sub")
    sub.subscribe("#", 0)
    r = raw(broker)
    handshake(r, "wild-pub", version=version)
    r.send(publish(topic, b"bad", qos=1, pid=1, version=version))
    try:
        first = recv(r, version)
    except ConnectionError:
        first = None
    if version == 5 and first is not None and first.type == PUBACK:
        assert first.ack_reason() == 0x90, first
    elif first is not None:
        assert first.type == DISCONNECT and first.ack_reason() >= 0x80, first
        recv_until_close(r, version)
    sub.expect_none(0.3)


def test_publish_empty_topic_v311(broker, raw):
    """[MQTT-4.7.3-1] topic names are at least one character long; an empty one closes."""
    r = raw(broker)
    handshake(r, "emptytopic")
    r.send(publish("", b"x", qos=1, pid=1))
    assert all(p.type != PUBACK for p in recv_until_close(r))


def test_publish_qos3(broker, raw):
    """[MQTT-3.3.1-4] a PUBLISH must not have both QoS bits set: close."""
    r = raw(broker)
    handshake(r, "qos3")
    r.send(b"\x36\x06\x00\x01a\x00\x01x")
    assert all(p.type not in (PUBACK, PUBREC) for p in recv_until_close(r))


@pytest.mark.parametrize("qos", [1, 2])
def test_publish_packet_id_zero(broker, raw, qos):
    """[MQTT-2.3.1-1] a QoS > 0 PUBLISH must carry a non-zero Packet Identifier: close."""
    r = raw(broker)
    handshake(r, "pid0")
    r.send(publish("t", b"x", qos=qos, pid=0))
    assert all(p.type not in (PUBACK, PUBREC) for p in recv_until_close(r))


def test_publish_invalid_utf8_topic(broker, raw):
    """[MQTT-1.5.3-1] ill-formed UTF-8 in the topic name closes the connection."""
    r = raw(broker)
    handshake(r, "badutf")
    r.send(publish(b"a/\xc3\x28", b"x", qos=1, pid=1))
    assert all(p.type != PUBACK for p in recv_until_close(r))


# ------------------------------------------------------------------------- payloads

@pytest.mark.parametrize("version", [4, 5])
def test_payload_roundtrip(broker, clients, version):
    """3.3.3: the payload is opaque: empty, every byte value, and UTF-8 topic names survive."""
    sub = clients(broker, client_id="pl-sub", version=version)
    sub.subscribe("pl/#", 1)
    pub = clients(broker, client_id="pl-pub", version=version)
    payloads = [b"", bytes(range(256)), "Grüße €".encode()]
    for i, p in enumerate(payloads):
        pub.publish(f"pl/{i}", p, qos=1)
    pub.publish("pl/ünïcødé/€", b"u", qos=1)
    got = collect([sub], 4)[0]
    assert [(m.topic, m.payload) for m in got] == \
        [(f"pl/{i}", p) for i, p in enumerate(payloads)] + [("pl/ünïcødé/€", b"u")]


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_large_payload_1mb(broker_factory, clients, qos):
    """A 1 MB payload is delivered intact at every QoS (max_packet_size raised for nmq)."""
    broker = broker_factory(mqtt_conf="max_packet_size = 8MB")
    sub = clients(broker, client_id="big-sub")
    sub.subscribe("big/t", 2)
    pub = clients(broker, client_id="big-pub")
    payload = bytes((i * 7 + i // 251) & 0xFF for i in range(1_000_000))
    pub.publish("big/t", payload, qos=qos)
    m = sub.expect(timeout=10)
    assert m.qos == qos and len(m.payload) == len(payload) and m.payload == payload


# ------------------------------------------------------------------------- ordering and volume

@pytest.mark.parametrize("qos", [0, 1, 2])
def test_ordering_preserved(broker, clients, qos):
    """[MQTT-4.6.0-5] topics are ordered by default; [MQTT-4.6.0-6] PUBLISH packets go to each
    subscriber in the order they were received from a given client (same topic and QoS)."""
    n = 500
    subs = [clients(broker, client_id=f"ord-sub{i}") for i in range(2)]
    for s in subs:
        s.subscribe("ord/t", 2)
    pub = clients(broker, client_id="ord-pub")
    for i in range(n):
        pub.publish("ord/t", str(i).encode(), qos=qos, wait=False)
    if qos:
        pub.publish("ord/t", str(n).encode(), qos=qos)
    else:
        pub.publish("ord/t", str(n).encode(), qos=0)
    for got in collect(subs, 2 * (n + 1), timeout=20):
        seq = [int(m.payload) for m in got]
        assert seq == list(range(n + 1)), f"out of order or lost: first diff at " \
            f"{next((i for i, (a, b) in enumerate(zip(seq, range(n + 1))) if a != b), len(seq))}"
        assert all(m.qos == qos for m in got)


def test_many_qos1_messages_in_order(broker, clients):
    """5000 QoS 1 messages from one publisher arrive complete and in order [MQTT-4.6.0-6]."""
    n = 5000
    sub = clients(broker, client_id="many-sub")
    sub.subscribe("many/t", 1)
    pub = clients(broker, client_id="many-pub")
    pub.c.max_inflight_messages_set(100)
    # Stay within 1000 messages of the subscriber: brokers bound per-client queues (nmq's
    # max_mqueue_len and mosquitto's max_queued_messages are 2048 here), and a slow Python
    # subscriber must not turn this into a test of queue overflow.
    last = None
    for start in range(0, n, 500):
        assert wait_for(lambda: sub.messages.qsize() >= start - 1000, timeout=30)
        for i in range(start, min(n, start + 500)):
            last = pub.publish("many/t", str(i).encode(), qos=1, wait=False)
    last.wait_for_publish(timeout=60)
    [got] = collect([sub], n, timeout=60)
    seq = [int(m.payload) for m in got]
    assert len(seq) == n and seq == list(range(n))


def test_fan_out(broker, clients):
    """Every matching subscriber receives its own copy."""
    subs = [clients(broker, client_id=f"fan{i}") for i in range(10)]
    for s in subs:
        s.subscribe("fan/t", 1)
    pub = clients(broker, client_id="fan-pub")
    for i in range(20):
        pub.publish("fan/t", str(i).encode(), qos=1, wait=False)
    for got in collect(subs, 200):
        assert [int(m.payload) for m in got] == list(range(20))


# ------------------------------------------------------------------------- re-delivery

def _persistent(r, client_id, version):
    props = [(P_SESSION_EXPIRY, 60)] if version == 5 else None
    return handshake(r, client_id, version=version, clean=False, props=props)


@pytest.mark.parametrize("version", [4, 5])
def test_qos1_unacked_resent_with_dup(broker, raw, clients, version):
    """[MQTT-4.4.0-1] on reconnect with a persistent session the server re-sends unacknowledged
    PUBLISH packets with their original Packet Identifiers, DUP set [MQTT-3.3.1-1]."""
    r = raw(broker)
    _persistent(r, "redo1", version)
    raw_subscribe(r, [("redo/1", 1)], version)
    clients(broker, client_id="redo1-pub").publish("redo/1", b"again", qos=1)
    p = recv(r, version)
    topic, pid, _, payload = p.publish()
    assert not p.dup
    r.close()

    r2 = raw(broker)
    sp, rc, _ = _persistent(r2, "redo1", version)
    assert (sp, rc) == (True, 0)
    p2 = recv(r2, version)
    assert p2.type == PUBLISH and p2.qos == 1 and p2.dup
    assert p2.publish()[1] == pid and p2.publish()[3] == b"again"
    r2.send(ack(PUBACK, pid))
    recv_none(r2, 0.5)


@pytest.mark.parametrize("version", [4, 5])
def test_qos2_unacked_publish_resent_with_dup(broker, raw, clients, version):
    """[MQTT-4.4.0-1] an unacknowledged QoS 2 PUBLISH is re-sent with DUP and the same id."""
    r = raw(broker)
    _persistent(r, "redo2", version)
    raw_subscribe(r, [("redo/2", 2)], version)
    clients(broker, client_id="redo2-pub").publish("redo/2", b"twice?", qos=2)
    pid = recv(r, version).publish()[1]
    r.close()

    r2 = raw(broker)
    assert _persistent(r2, "redo2", version)[:2] == (True, 0)
    p = recv(r2, version)
    assert p.type == PUBLISH and p.qos == 2 and p.dup and p.publish()[1] == pid
    r2.send(ack(PUBREC, pid))
    rel = recv(r2, version)
    assert rel.type == PUBREL and rel.packet_id == pid
    r2.send(ack(PUBCOMP, pid))
    recv_none(r2, 0.5)


@pytest.mark.parametrize("version", [4, 5])
def test_qos2_pubrel_resent_on_resume(broker, raw, clients, version):
    """[MQTT-4.4.0-1] an unacknowledged PUBREL is re-sent on resume; the PUBLISH is not
    [MQTT-4.3.3-1] (never re-send the PUBLISH once PUBREL was sent)."""
    r = raw(broker)
    _persistent(r, "redo3", version)
    raw_subscribe(r, [("redo/3", 2)], version)
    clients(broker, client_id="redo3-pub").publish("redo/3", b"x", qos=2)
    pid = recv(r, version).publish()[1]
    r.send(ack(PUBREC, pid))
    assert recv(r, version).type == PUBREL
    r.close()

    r2 = raw(broker)
    assert _persistent(r2, "redo3", version)[:2] == (True, 0)
    rel = recv(r2, version)
    assert rel.type == PUBREL and rel.first == 0x62 and rel.packet_id == pid
    r2.send(ack(PUBCOMP, pid))
    recv_none(r2, 0.5)


def test_offline_messages_in_order(broker, clients):
    """[MQTT-3.1.2-5] QoS 1 and 2 messages for a disconnected persistent session are stored and
    delivered on reconnect, in order per QoS [MQTT-4.6.0-6] (the order guarantee is "for the
    same Topic and QoS": interleaving between the two QoS levels is free)."""
    sub = clients(broker, client_id="offline", clean=False)
    sub.subscribe("off/t", 2)
    sub.disconnect()
    pub = clients(broker, client_id="offline-pub")
    for i in range(100):
        pub.publish("off/t", str(i).encode(), qos=1 + i % 2, wait=False)
    pub.publish("off/t", b"100", qos=1)
    sub2 = clients(broker, client_id="offline", clean=False)
    [got] = collect([sub2], 101)
    seq = [int(m.payload) for m in got]
    assert sorted(seq) == list(range(101))
    for q in (1, 2):
        per_qos = [int(m.payload) for m in got if m.qos == q]
        assert per_qos == [i for i in range(101) if 1 + i % 2 == q]
