"""Area 01: CONNECT / CONNACK, session takeover, keep alive, PINGREQ, Session Present.

Checked against the OASIS MQTT 3.1.1 and 5.0 specifications (requirement ids quoted in each
test). Where the specification lets a server choose, the test accepts every conforming choice.
"""
import time

import pytest

from conftest import TARGET
from util_part1 import (
    CONNACK, DISCONNECT, PINGRESP, PINGREQ_BYTES, PINGRESP_BYTES, PUBLISH,
    P_ASSIGNED_CLIENT_ID, P_RECEIVE_MAXIMUM, P_SESSION_EXPIRY,
    alive, connect, connect_props, disconnect, expect_closed_without_success, handshake,
    raw_subscribe, recv, recv_none, recv_until_close,
)



# ------------------------------------------------------------------------- accepted CONNECTs

def test_connect_v311_connack_bytes(broker, raw):
    """[MQTT-3.2.0-1] the first packet from the server is CONNACK; [MQTT-3.2.2-1] clean session
    gives Session Present 0; 3.1.1 CONNACK is exactly 20 02 00 00."""
    r = raw(broker)
    r.send(connect("c311", version=4))
    assert r.recv_exact(4) == b"\x20\x02\x00\x00"
    assert alive(r)


def test_connect_v31_connack_bytes(broker, raw):
    """MQTT 3.1 (protocol name MQIsdp, level 3) is accepted with CONNACK 0."""
    r = raw(broker)
    r.send(connect("c31", version=3))
    first, body = r.recv_packet()
    assert first == 0x20
    assert body[-1] == 0x00
    assert alive(r)


def test_connect_v5_connack(broker, raw):
    """5.0 CONNACK: flags 0, reason 0x00, well-formed properties [MQTT-3.2.2-1]."""
    r = raw(broker)
    sp, rc, props = handshake(r, "c5", version=5)
    assert (sp, rc) == (False, 0)
    assert P_ASSIGNED_CLIENT_ID not in props
    assert alive(r, version=5)


@pytest.mark.parametrize("version", [3, 4, 5])
def test_paho_connect_publish_subscribe(broker, clients, version):
    """A round trip at every protocol level, through Paho."""
    c = clients(broker, client_id=f"paho{version}", version=version)
    c.subscribe("v/t", 1)
    c.publish("v/t", b"hello", qos=1)
    m = c.expect()
    assert (m.topic, m.payload, m.qos) == ("v/t", b"hello", 1)


# ------------------------------------------------------------------------- refused CONNECTs

@pytest.mark.parametrize("level", [2, 6, 0x7F])
def test_unsupported_protocol_level(broker, raw, level):
    """[MQTT-3.1.2-2] (3.1.1) unsupported level -> CONNACK 0x01 then close; (5.0) the server MAY
    send CONNACK 0x84 and MUST close. We require a refusing CONNACK (0x01 or 0x84), then close."""
    r = raw(broker)
    r.send(connect("badlevel", version=level))
    pkts = recv_until_close(r)
    assert pkts, "expected a CONNACK refusing the protocol level"
    assert pkts[0].type == CONNACK
    code = pkts[0].body[1]
    assert code in (0x01, 0x84), f"CONNACK return code {code:#x}"
    if code == 0x01:
        assert pkts[0].body == b"\x00\x01"
    else:
        # [MQTT-3.2.2-6] Session Present 0 with a non-zero reason code
        assert pkts[0].body[0] == 0


@pytest.mark.parametrize("name,level", [(b"MQIsdp", 4), (b"MQTT", 3), (b"MQTX", 4), (b"", 4)])
def test_wrong_protocol_name(broker, raw, name, level):
    """[MQTT-3.1.2-1] a protocol name that is not right for the level: the server MAY disconnect
    or refuse with CONNACK 0x01; it must not accept the connection."""
    r = raw(broker)
    r.send(connect("badname", version=level, protocol_name=name))
    expect_closed_without_success(r)


@pytest.mark.parametrize("version", [4, 5])
def test_reserved_connect_flag(broker, raw, version):
    """[MQTT-3.1.2-3] the reserved flag in CONNECT must be 0, else the server disconnects."""
    r = raw(broker)
    r.send(connect("reserved", version=version, flags_extra=0x01))
    expect_closed_without_success(r, version)


def test_will_qos_without_will_flag(broker, raw):
    """[MQTT-3.1.2-13] Will Flag 0 requires Will QoS 0; a violation closes the connection."""
    r = raw(broker)
    r.send(connect("willqos", flags_extra=0x08))
    expect_closed_without_success(r)


def test_will_retain_without_will_flag(broker, raw):
    """[MQTT-3.1.2-15] Will Flag 0 requires Will Retain 0."""
    r = raw(broker)
    r.send(connect("willret", flags_extra=0x20))
    expect_closed_without_success(r)


def test_will_qos_3(broker, raw):
    """[MQTT-3.1.2-14] Will QoS 3 is a protocol violation."""
    r = raw(broker)
    r.send(connect("willq3", will=dict(topic="w", payload=b"x", qos=3)))
    expect_closed_without_success(r)


def test_v311_password_without_username(broker, raw):
    """[MQTT-3.1.2-22] (3.1.1) Password Flag 1 requires User Name Flag 1."""
    r = raw(broker)
    r.send(connect("pwonly", password="secret"))
    expect_closed_without_success(r)


def test_v5_receive_maximum_zero(broker, raw):
    """5.0 3.1.2.11.3: a Receive Maximum of 0 is a Protocol Error: refused, then closed."""
    r = raw(broker)
    r.send(connect("rm0", version=5, props=[(P_RECEIVE_MAXIMUM, 0)]))
    pkts = expect_closed_without_success(r, version=5)
    for p in pkts:
        if p.type == CONNACK:
            assert p.body[1] >= 0x80


def test_v5_duplicate_session_expiry_property(broker, raw):
    """5.0 3.1.2.11.2: including Session Expiry Interval twice is a Protocol Error."""
    r = raw(broker)
    r.send(connect("dupprop", version=5, props=[(P_SESSION_EXPIRY, 10), (P_SESSION_EXPIRY, 20)]))
    expect_closed_without_success(r, version=5)


# ------------------------------------------------------------------------- client identifiers

def test_v311_empty_client_id_clean_session_accepted(broker, raw):
    """[MQTT-3.1.3-6] a zero-byte ClientId with CleanSession 1 is accepted (server assigns one)."""
    r = raw(broker)
    sp, rc, _ = handshake(r, "", version=4, clean=True)
    assert (sp, rc) == (False, 0)
    assert alive(r)


def test_v311_empty_client_id_persistent_rejected(broker, raw):
    """[MQTT-3.1.3-8] zero-byte ClientId with CleanSession 0 -> CONNACK 0x02, then close."""
    r = raw(broker)
    r.send(connect("", version=4, clean=False))
    pkts = recv_until_close(r)
    assert pkts and pkts[0].type == CONNACK
    assert pkts[0].body == b"\x00\x02"


def test_v31_empty_client_id_rejected(broker, raw):
    """MQTT 3.1 (section 3.1, CONNECT payload): the Client Identifier is 1 to 23 characters;
    an empty one is answered with CONNACK 2 (Identifier Rejected)."""
    r = raw(broker)
    r.send(connect("", version=3, clean=True))
    pkts = recv_until_close(r)
    assert pkts and pkts[0].type == CONNACK
    assert pkts[0].body[1] == 0x02


def test_v5_empty_client_id_assigned(broker, raw):
    """[MQTT-3.1.3-6] [MQTT-3.1.3-7] [MQTT-3.2.2-16] 5.0 zero-byte ClientId: the server assigns
    a unique id and returns it in the Assigned Client Identifier property."""
    ids = set()
    for _ in range(2):
        r = raw(broker)
        sp, rc, props = handshake(r, "", version=5)
        assert rc == 0
        assert P_ASSIGNED_CLIENT_ID in props and props[P_ASSIGNED_CLIENT_ID]
        ids.add(props[P_ASSIGNED_CLIENT_ID])
    assert len(ids) == 2, "assigned client identifiers must be unique"


def test_v5_empty_client_id_paho(broker, clients):
    c = clients(broker, client_id="", version=5)
    assert c.connack_properties.AssignedClientIdentifier


# ------------------------------------------------------------------------- packet order

@pytest.mark.parametrize("version", [4, 5])
def test_second_connect_is_protocol_violation(broker, raw, version):
    """[MQTT-3.1.0-2] a second CONNECT on a connection is a protocol violation: close."""
    r = raw(broker)
    assert handshake(r, "twice", version=version)[1] == 0
    r.send(connect("twice", version=version))
    pkts = recv_until_close(r, version)
    assert all(p.type != CONNACK for p in pkts)


@pytest.mark.parametrize("first", [PINGREQ_BYTES, b"\x82\x06\x00\x01\x00\x01a\x00",
                                   b"\x30\x05\x00\x01ahi", b"\xe0\x00"])
def test_packet_before_connect(broker, raw, first):
    """[MQTT-3.1.0-1] the first packet must be CONNECT; anything else closes the connection
    without a response."""
    r = raw(broker)
    r.send(first)
    pkts = recv_until_close(r)
    assert all(p.type != PINGRESP for p in pkts)


def test_connect_refused_after_connack_failure_closes(broker, raw):
    """[MQTT-3.2.2-5] after a CONNACK with a non-zero code the server closes the connection;
    packets the client sends after the refused CONNECT are not processed."""
    r = raw(broker)
    r.send(connect("", version=4, clean=False) + PINGREQ_BYTES)
    pkts = recv_until_close(r)
    assert [p.type for p in pkts] == [CONNACK]


# ------------------------------------------------------------------------- keep alive and ping

@pytest.mark.parametrize("version", [4, 5])
def test_pingreq_pingresp(broker, raw, version):
    """[MQTT-3.12.4-1] the server answers PINGREQ with PINGRESP (d0 00)."""
    r = raw(broker)
    handshake(r, "pinger", version=version)
    for _ in range(3):
        r.send(PINGREQ_BYTES)
        assert r.recv_exact(2) == PINGRESP_BYTES


@pytest.mark.parametrize("version", [4, 5])
def test_keepalive_timeout_disconnects(broker, raw, version):
    """[MQTT-3.1.2-24] (3.1.1) / [MQTT-3.1.2-22] (5.0): no packet within 1.5 x Keep Alive ->
    the server disconnects. Keep Alive 1 s: closed after about 1.5 s (nmq's default multiplier is
    1.25). We allow 1 s .. 3 s; mosquitto 2.0 checks keep alive on a coarse timer (up to ~5 s
    late), so against it the upper bound is looser."""
    r = raw(broker)
    sp, rc, props = handshake(r, "sleepy", version=version, keepalive=1)
    assert rc == 0
    start = time.time()
    limit = 7.0 if TARGET == "mosquitto" else 3.0
    recv_until_close(r, version, timeout=limit + 0.5)
    elapsed = time.time() - start
    assert 0.9 <= elapsed <= limit, f"closed after {elapsed:.2f}s"


def test_keepalive_kept_by_pings(broker, raw):
    """[MQTT-3.1.2-23] a client that keeps sending within the Keep Alive stays connected."""
    r = raw(broker)
    handshake(r, "busy", keepalive=1)
    deadline = time.time() + 2.6
    while time.time() < deadline:
        r.send(PINGREQ_BYTES)
        assert r.recv_exact(2) == PINGRESP_BYTES
        time.sleep(0.4)
    assert alive(r)


def test_keepalive_zero_never_times_out(broker, raw):
    """3.1.2.10: Keep Alive 0 turns the mechanism off: the server does not disconnect."""
    r = raw(broker)
    handshake(r, "forever", keepalive=0)
    recv_none(r, timeout=2.0)
    assert alive(r)


# ------------------------------------------------------------------------- session takeover

def test_v311_session_takeover_closes_old(broker, raw):
    """[MQTT-3.1.4-2] a CONNECT with the ClientId of a connected client: the server
    disconnects the existing client; the new one is accepted."""
    old = raw(broker)
    assert handshake(old, "same-id")[1] == 0
    new = raw(broker)
    assert handshake(new, "same-id")[1] == 0
    recv_until_close(old)
    assert alive(new)


def test_v5_session_takeover_closes_old(broker, raw):
    """[MQTT-3.1.4-3] 5.0: the server MUST close the Network Connection of the existing client;
    whatever it sends first may only be a DISCONNECT, and that DISCONNECT says 0x8E."""
    old = raw(broker)
    assert handshake(old, "same-id5", version=5)[1] == 0
    new = raw(broker)
    assert handshake(new, "same-id5", version=5)[1] == 0
    pkts = recv_until_close(old, version=5)
    assert all(p.type == DISCONNECT and p.ack_reason() == 0x8E for p in pkts), pkts
    assert alive(new, version=5)


@pytest.mark.nmq_only
def test_v5_session_takeover_disconnect_0x8e(broker, raw):
    """[MQTT-3.1.4-3] 5.0: "the Server sends a DISCONNECT packet to the existing Client with
    Reason Code of 0x8E (Session taken over)" before closing it. (mosquitto 2.0.11 closes without
    the DISCONNECT, hence nmq_only.)"""
    old = raw(broker)
    assert handshake(old, "same-id5", version=5)[1] == 0
    new = raw(broker)
    assert handshake(new, "same-id5", version=5)[1] == 0
    pkts = recv_until_close(old, version=5)
    assert [p.type for p in pkts] == [DISCONNECT], pkts
    assert pkts[0].ack_reason() == 0x8E
    assert alive(new, version=5)


def test_takeover_persistent_session_keeps_subscriptions(broker, raw, clients):
    """[MQTT-3.1.2-4] CleanSession 0: the new connection resumes the session of the one it took
    over: Session Present 1 [MQTT-3.2.2-2] and the subscriptions keep delivering."""
    old = raw(broker)
    assert handshake(old, "resume", clean=False)[1] == 0
    assert raw_subscribe(old, [("resume/t", 1)]) == [1]
    new = raw(broker)
    sp, rc, _ = handshake(new, "resume", clean=False)
    assert (sp, rc) == (True, 0)
    recv_until_close(old)
    pub = clients(broker, client_id="resume-pub")
    pub.publish("resume/t", b"after takeover", qos=1)
    p = recv(new)
    assert p.type == PUBLISH
    assert p.publish()[0] == "resume/t" and p.publish()[3] == b"after takeover"


def test_takeover_by_clean_session_discards_old_session(broker, raw, clients):
    """[MQTT-3.1.2-6] a takeover with CleanSession 1 starts a new session: Session Present 0 and
    the old subscriptions are gone."""
    old = raw(broker)
    handshake(old, "fresh", clean=False)
    raw_subscribe(old, [("fresh/t", 1)])
    new = raw(broker)
    sp, rc, _ = handshake(new, "fresh", clean=True)
    assert (sp, rc) == (False, 0)
    recv_until_close(old)
    pub = clients(broker, client_id="fresh-pub")
    pub.publish("fresh/t", b"nobody", qos=1)
    recv_none(new, timeout=0.5)


# ------------------------------------------------------------------------- session present

def test_session_present_rules_v311(broker, raw):
    """[MQTT-3.2.2-1] clean -> 0; [MQTT-3.2.2-3] CleanSession 0 without stored state -> 0;
    [MQTT-3.2.2-2] CleanSession 0 with stored state -> 1; [MQTT-3.1.2-6] a clean session is
    discarded when it ends, so a later persistent connect finds nothing."""
    r = raw(broker)
    assert handshake(r, "sp", clean=True)[:2] == (False, 0)
    r.send(disconnect())
    recv_until_close(r)

    r = raw(broker)
    assert handshake(r, "sp", clean=False)[:2] == (False, 0)
    raw_subscribe(r, [("sp/t", 0)])
    r.send(disconnect())
    recv_until_close(r)

    r = raw(broker)
    assert handshake(r, "sp", clean=False)[:2] == (True, 0)
    r.send(disconnect())
    recv_until_close(r)

    r = raw(broker)
    assert handshake(r, "sp", clean=True)[:2] == (False, 0)
    r.send(disconnect())
    recv_until_close(r)

    r = raw(broker)
    assert handshake(r, "sp", clean=False)[:2] == (False, 0)


def test_session_present_zero_on_refusal(broker, raw):
    """[MQTT-3.2.2-4] a CONNACK with a non-zero return code has Session Present 0."""
    r = raw(broker)
    handshake(r, "spref", clean=False)
    r.send(disconnect())
    recv_until_close(r)
    r = raw(broker)
    r.send(connect("spref", version=9, clean=False))
    pkts = recv_until_close(r)
    assert pkts and pkts[0].type == CONNACK
    assert pkts[0].body[0] == 0 and pkts[0].body[1] != 0


def test_session_present_rules_v5(broker, raw):
    """5.0 [MQTT-3.2.2-2] Clean Start 1 -> Session Present 0; [MQTT-3.2.2-3] Clean Start 0 with a
    session -> 1. Session Expiry Interval 0 (the default) ends the session at disconnect
    (3.1.2.11.2), so a later Clean Start 0 finds none."""
    r = raw(broker)
    assert handshake(r, "sp5", version=5, clean=False)[:2] == (False, 0)
    r.send(disconnect(5))
    recv_until_close(r, 5)

    r = raw(broker)
    assert handshake(r, "sp5", version=5, clean=False)[:2] == (False, 0), \
        "Session Expiry 0: the session must have ended with the connection"
    r.send(disconnect(5))
    recv_until_close(r, 5)

    r = raw(broker)
    assert handshake(r, "sp5", version=5, clean=False,
                     props=[(P_SESSION_EXPIRY, 60)])[:2] == (False, 0)
    r.send(disconnect(5))
    recv_until_close(r, 5)

    r = raw(broker)
    assert handshake(r, "sp5", version=5, clean=False,
                     props=[(P_SESSION_EXPIRY, 60)])[:2] == (True, 0)
    r.send(disconnect(5))
    recv_until_close(r, 5)

    r = raw(broker)
    assert handshake(r, "sp5", version=5, clean=True)[:2] == (False, 0)


def test_v5_disconnect_sets_session_expiry_zero(broker, raw):
    """5.0 3.14.2.2.2: a DISCONNECT may lower the Session Expiry Interval; 0 ends the session."""
    r = raw(broker)
    handshake(r, "sx", version=5, clean=True, props=[(P_SESSION_EXPIRY, 60)])
    r.send(disconnect(5, reason=0, props=[(P_SESSION_EXPIRY, 0)]))
    recv_until_close(r, 5)
    r = raw(broker)
    assert handshake(r, "sx", version=5, clean=False)[:2] == (False, 0)


def test_v5_disconnect_raising_zero_session_expiry_is_error(broker, raw):
    """[MQTT-3.14.2-2] Session Expiry 0 at CONNECT then non-zero in DISCONNECT is a Protocol
    Error: the session must still end (it cannot be extended)."""
    r = raw(broker)
    handshake(r, "sx2", version=5, clean=True)
    r.send(disconnect(5, reason=0, props=[(P_SESSION_EXPIRY, 60)]))
    recv_until_close(r, 5)
    r = raw(broker)
    assert handshake(r, "sx2", version=5, clean=False)[:2] == (False, 0)


def test_paho_persistent_session_queues_messages(broker, clients):
    """[MQTT-3.1.2-5] with CleanSession 0 the server stores QoS 1 and 2 messages matching the
    subscriptions while the client is disconnected, and sends them on reconnect."""
    sub = clients(broker, client_id="queued", clean=False)
    sub.subscribe("q/#", 2)
    sub.disconnect()
    pub = clients(broker, client_id="queued-pub")
    pub.publish("q/1", b"one", qos=1)
    pub.publish("q/2", b"two", qos=2)
    sub2 = clients(broker, client_id="queued", clean=False)
    assert sub2.flags["session present"] == 1
    got = [sub2.expect() for _ in range(2)]
    assert [(m.topic, m.payload) for m in got] == [("q/1", b"one"), ("q/2", b"two")]


def test_paho_v5_session_expiry_keeps_session(broker, clients):
    """5.0: with Session Expiry Interval > 0 the session (and queued messages) survive."""
    props = connect_props(SessionExpiryInterval=30)
    sub = clients(broker, client_id="queued5", version=5, clean=False, properties=props)
    sub.subscribe("q5/t", 1)
    sub.disconnect()
    pub = clients(broker, client_id="queued5-pub", version=5)
    pub.publish("q5/t", b"kept", qos=1)
    sub2 = clients(broker, client_id="queued5", version=5, clean=False, properties=props)
    assert sub2.flags["session present"] == 1
    m = sub2.expect()
    assert (m.topic, m.payload, m.qos) == ("q5/t", b"kept", 1)
