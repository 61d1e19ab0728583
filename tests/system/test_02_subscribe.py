"""Area 02: SUBSCRIBE / SUBACK, topic filter matching, UNSUBSCRIBE / UNSUBACK.

Checked against the OASIS MQTT 3.1.1 and 5.0 specifications (requirement ids quoted in each
test). Where the specification lets a server choose, the test accepts every conforming choice.
"""
import time

import pytest

from util_part1 import (
    DISCONNECT, PUBLISH, SUBACK, UNSUBACK,
    alive, collect, granted, handshake, opts, raw_subscribe, recv, recv_none, recv_until_close,
    publish, sub_options, subscribe, unsubscribe,
)



# ------------------------------------------------------------------------- SUBACK

def test_suback_v311_bytes(broker, raw):
    """[MQTT-3.8.4-1] SUBSCRIBE is answered with SUBACK carrying the same Packet Identifier
    [MQTT-3.8.4-2], one return code per filter in order [MQTT-3.8.4-5] [MQTT-3.9.3-1]. (A server
    may grant less than requested; with default settings all three are granted.)"""
    r = raw(broker)
    handshake(r, "suback")
    r.send(subscribe(0x1234, [("a/0", 0), ("a/1", 1), ("a/2", 2)]))
    assert r.recv_exact(7) == b"\x90\x05\x12\x34\x00\x01\x02"


def test_suback_v5_reason_codes(broker, raw):
    """5.0 [MQTT-3.9.3-1] one reason code per filter, in order; 0x00..0x02 = granted QoS."""
    r = raw(broker)
    handshake(r, "suback5", version=5)
    codes = raw_subscribe(r, [("a/0", sub_options(0)), ("a/1", sub_options(1)), ("a/2", sub_options(2))],
                          version=5, pid=77)
    assert codes == [0, 1, 2]


@pytest.mark.parametrize("version", [3, 4, 5])
def test_paho_suback_granted(broker, clients, version):
    c = clients(broker, client_id=f"granted{version}", version=version)
    if version == 5:
        assert granted(c.subscribe("g/2", options=opts(2))) == [2]
    else:
        assert granted(c.subscribe([("g/0", 0), ("g/1", 1), ("g/2", 2)])) == [0, 1, 2]


@pytest.mark.parametrize("version", [4, 5])
def test_delivery_qos_downgraded_to_granted(broker, clients, version):
    """[MQTT-3.8.4-6] (3.1.1) / [MQTT-3.8.4-8] (5.0): messages are delivered at the minimum of the
    published QoS and the granted QoS."""
    sub = clients(broker, client_id="down-sub", version=version)
    sub.subscribe("down/0", 0)
    sub.subscribe("down/1", 1)
    pub = clients(broker, client_id="down-pub", version=version)
    pub.publish("down/0", b"x", qos=2)
    pub.publish("down/1", b"y", qos=2)
    got = {m.topic: m.qos for m in (sub.expect(), sub.expect())}
    assert got == {"down/0": 0, "down/1": 1}


def test_resubscribe_replaces(broker, clients):
    """[MQTT-3.8.4-3] a SUBSCRIBE with a filter identical to an existing subscription replaces
    it: the new maximum QoS applies and messages are not duplicated."""
    sub = clients(broker, client_id="resub")
    assert sub.subscribe("re/t", 0) == (0,)
    assert sub.subscribe("re/t", 2) == (2,)
    pub = clients(broker, client_id="resub-pub")
    pub.publish("re/t", b"once", qos=2)
    m = sub.expect()
    assert (m.payload, m.qos) == (b"once", 2)
    sub.expect_none(0.5)
    assert sub.subscribe("re/t", 1) == (1,)
    pub.publish("re/t", b"again", qos=2)
    assert sub.expect().qos == 1
    sub.expect_none(0.3)


def test_overlapping_subscriptions(broker, clients):
    """[MQTT-3.3.5-1] (3.1.1) / [MQTT-3.3.4-2] (5.0): with overlapping subscriptions the message is
    delivered respecting the maximum QoS of the matches; the server MAY deliver one extra copy
    per additional matching subscription (each at that subscription's QoS)."""
    sub = clients(broker, client_id="overlap")
    sub.subscribe("ov/#", 0)
    sub.subscribe("ov/+/c", 1)
    sub.subscribe("ov/b/c", 2)
    pub = clients(broker, client_id="overlap-pub")
    pub.publish("ov/b/c", b"m", qos=2)
    got = sub.drain(0.5)
    assert 1 <= len(got) <= 3, f"{len(got)} copies"
    assert max(m.qos for m in got) == 2
    assert all(m.payload == b"m" for m in got)
    # extra copies are one per other matching subscription, each at that subscription's QoS
    assert len({m.qos for m in got}) == len(got)


def test_own_messages_delivered_v311(broker, clients):
    """3.1.1 has no No Local option: a publisher subscribed to its topic receives its own
    message."""
    c = clients(broker, client_id="echo")
    c.subscribe("echo/t", 1)
    c.publish("echo/t", b"me", qos=1)
    assert c.expect().payload == b"me"


def test_v5_no_local(broker, clients):
    """5.0 [MQTT-3.8.3-3] No Local = 1: messages are not forwarded to the connection with the
    ClientID of the publisher; other subscribers still get them."""
    c = clients(broker, client_id="nolocal", version=5)
    c.subscribe("nl/t", options=opts(1, no_local=True))
    other = clients(broker, client_id="nolocal-other", version=5)
    other.subscribe("nl/t", options=opts(1))
    c.publish("nl/t", b"mine", qos=1)
    assert other.expect().payload == b"mine"
    c.expect_none(0.5)
    other.publish("nl/t", b"theirs", qos=1)
    assert c.expect().payload == b"theirs"


# ------------------------------------------------------------------------- matching

MATCH_TOPICS = [
    "sport", "sport/", "sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking",
    "sport/tennis/player1/score/wimbledon", "sport/tennis/player2", "/finance", "finance",
    "a//c", "a/b/c", "Accounts", "ACCOUNTS", "a b/c d", "/", "//",
]

MATCH_CASES = {
    # 4.7.1.2 multi-level wildcard: also matches the parent level [MQTT-4.7.1-2 text]
    "sport/tennis/player1/#": {"sport/tennis/player1", "sport/tennis/player1/ranking",
                               "sport/tennis/player1/score/wimbledon"},
    "sport/#": {"sport", "sport/", "sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking",
                "sport/tennis/player1/score/wimbledon", "sport/tennis/player2"},
    "#": set(MATCH_TOPICS),
    # 4.7.1.3 single-level wildcard
    "sport/tennis/+": {"sport/tennis/player1", "sport/tennis/player2"},
    "sport/+": {"sport/", "sport/tennis"},
    "+": {"sport", "finance", "Accounts", "ACCOUNTS"},
    "+/+": {"sport/", "sport/tennis", "/finance", "a b/c d", "/"},
    "/+": {"/finance", "/"},
    "+/tennis/#": {"sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking",
                   "sport/tennis/player1/score/wimbledon", "sport/tennis/player2"},
    "a/+/c": {"a//c", "a/b/c"},
    "+/+/+": {"sport/tennis/player1", "sport/tennis/player2", "a//c", "a/b/c", "//"},
    # 4.7.3 topics are case sensitive and may contain spaces
    "ACCOUNTS": {"ACCOUNTS"},
    "a b/c d": {"a b/c d"},
    "sport": {"sport"},
    "sport/": {"sport/"},
    "/": {"/"},
    "//": {"//"},
    "+/#": set(MATCH_TOPICS),
}


@pytest.mark.parametrize("version", [4, 5])
def test_wildcard_matching(broker, clients, version):
    """4.7.1 topic wildcards: '#' matches the parent and any number of levels, '+' exactly one
    level (which may be empty); 4.7.3 case-sensitive, spaces allowed, empty levels significant."""
    subs = {}
    for i, flt in enumerate(MATCH_CASES):
        c = clients(broker, client_id=f"m{version}-{i}", version=version)
        c.subscribe(flt, 1)
        subs[flt] = c
    pub = clients(broker, client_id=f"m{version}-pub", version=version)
    for t in MATCH_TOPICS:
        pub.publish(t, t.encode(), qos=1)
    received = collect(list(subs.values()), sum(len(v) for v in MATCH_CASES.values()))
    errors = []
    for (flt, c), msgs in zip(subs.items(), received):
        got = [m.topic for m in msgs]
        if sorted(got) != sorted(MATCH_CASES[flt]):
            errors.append(f"{flt!r}: expected {sorted(MATCH_CASES[flt])}, got {sorted(got)}")
    assert not errors, "\n".join(errors)


def test_dollar_topics_not_matched_by_leading_wildcards(broker, raw, clients):
    """[MQTT-4.7.2-1] filters starting with '#' or '+' do not match topic names starting with
    '$'. A filter that starts with the '$' level matches, unless the server keeps clients off '$'
    topics, which 4.7.2 says it SHOULD: both are accepted for the '$test/...' filters."""
    filters = ["#", "+/x", "+/#", "$test/#", "$test/+", "$test/x"]
    subs = [clients(broker, client_id=f"dollar{i}") for i in range(len(filters))]
    for flt, c in zip(filters, subs):
        c.subscribe(flt, 1)
    r = raw(broker)  # a raw publisher: a server may disconnect a client that uses '$' topics
    handshake(r, "dollar-pub")
    r.send(publish("$test/x", b"d", qos=0))
    clients(broker, client_id="dollar-pub2").publish("plain/x", b"p", qos=1)
    received = collect(subs, 6, grace=0.4)
    got = {flt: sorted(m.topic for m in msgs) for flt, msgs in zip(filters, received)}
    assert got["#"] == got["+/x"] == got["+/#"] == ["plain/x"], got
    assert got["$test/#"] in ([], ["$test/x"]), got
    assert got["$test/#"] == got["$test/+"] == got["$test/x"], got


def test_sys_topics_not_matched_by_hash(broker, clients):
    """[MQTT-4.7.2-1] '#' and '+/...' never deliver $SYS topics, even while the broker produces
    them (client connect/disconnect events, periodic statistics)."""
    hash_sub = clients(broker, client_id="syswatch1")
    hash_sub.subscribe("#", 0)
    plus_sub = clients(broker, client_id="syswatch2")
    plus_sub.subscribe("+/#", 0)
    for i in range(3):
        c = clients(broker, client_id=f"sysgen{i}")
        c.disconnect()
    time.sleep(0.5)
    for c in (hash_sub, plus_sub):
        leaked = [m.topic for m in c.drain(0.2) if m.topic.startswith("$")]
        assert not leaked, f"$ topics delivered to a wildcard subscription: {leaked}"


# ------------------------------------------------------------------------- invalid SUBSCRIBEs

INVALID_FILTERS = ["a/#/b", "a/b#", "#a", "a+/b", "a/+b", "+a", "#/a", "", "a\x00b"]


def _expect_refused_filter(r, version, codes_failure):
    """Either a SUBACK with the failure code, connection kept, or (as a protocol violation
    [MQTT-4.8.0-1]) an optional DISCONNECT >= 0x80 and the close."""
    try:
        p = recv(r, version)
    except ConnectionError:
        return "closed"
    if p.type == SUBACK:
        assert p.reason_codes() in ([c] for c in codes_failure), p.reason_codes()
        assert alive(r, version)
        return "suback"
    assert p.type == DISCONNECT and p.ack_reason() >= 0x80, p
    recv_until_close(r, version)
    return "closed"


@pytest.mark.parametrize("flt", INVALID_FILTERS, ids=repr)
@pytest.mark.parametrize("version", [4, 5])
def test_invalid_topic_filter(broker, raw, flt, version):
    """[MQTT-4.7.1-1] [MQTT-4.7.1-2] [MQTT-4.7.1-3] wildcard placement, [MQTT-4.7.3-1] non-empty,
    [MQTT-4.7.3-2] no NUL: an invalid filter gets SUBACK 0x80 (3.1.1) / 0x8F Topic Filter
    invalid (5.0), or the connection is closed."""
    r = raw(broker)
    handshake(r, "badfilter", version=version)
    r.send(subscribe(5, [(flt, 1)], version))
    _expect_refused_filter(r, version, [0x80] if version == 4 else [0x8F])


def test_invalid_utf8_filter(broker, raw):
    """[MQTT-1.5.3-1] ill-formed UTF-8 in a topic filter: the receiver closes the connection."""
    r = raw(broker)
    handshake(r, "badutf8")
    r.send(subscribe(5, [(b"a/\xff\xfe", 0)]))
    recv_until_close(r)


@pytest.mark.parametrize("first", [0x80, 0x81, 0x83, 0x8A])
def test_subscribe_reserved_flags(broker, raw, first):
    """[MQTT-3.8.1-1] SUBSCRIBE fixed-header flags must be 0010, else close
    [MQTT-2.2.2-2]."""
    r = raw(broker)
    handshake(r, "subflags")
    r.send(subscribe(1, [("a", 0)], first=first))
    assert all(p.type != SUBACK for p in recv_until_close(r))


def test_subscribe_without_filters(broker, raw):
    """[MQTT-3.8.3-3] a SUBSCRIBE with no topic filter is a protocol violation."""
    r = raw(broker)
    handshake(r, "subempty")
    r.send(b"\x82\x02\x00\x01")
    assert all(p.type != SUBACK for p in recv_until_close(r))


@pytest.mark.parametrize("qos_byte", [3, 0x41, 0x04])
def test_subscribe_bad_requested_qos_v311(broker, raw, qos_byte):
    """[MQTT-3-8.3-4] requested QoS 3, or reserved bits set: malformed -> close."""
    r = raw(broker)
    handshake(r, "subq3")
    r.send(subscribe(1, [("a", qos_byte)]))
    assert all(p.type != SUBACK for p in recv_until_close(r))


@pytest.mark.parametrize("opt_byte", [3, 0x30, 0x40, 0x80])
def test_subscribe_bad_options_v5(broker, raw, opt_byte):
    """5.0 [MQTT-3.8.3-5] reserved bits set, QoS 3 or Retain Handling 3: malformed / protocol
    error -> close (a DISCONNECT with a reason code may come first)."""
    r = raw(broker)
    handshake(r, "subopt5", version=5)
    r.send(subscribe(1, [("a", opt_byte)], version=5))
    assert all(p.type != SUBACK for p in recv_until_close(r, 5))


# ------------------------------------------------------------------------- UNSUBSCRIBE

def test_unsuback_v311_bytes(broker, raw, clients):
    """[MQTT-3.10.4-4] UNSUBACK with the UNSUBSCRIBE's Packet Identifier, even when nothing was
    subscribed [MQTT-3.10.4-5]; after it the server stops delivering [MQTT-3.10.4-2]."""
    r = raw(broker)
    handshake(r, "unsub")
    raw_subscribe(r, [("u/t", 1)])
    r.send(unsubscribe(0x0102, ["u/t"]))
    assert r.recv_exact(4) == b"\xb0\x02\x01\x02"
    r.send(unsubscribe(0x0103, ["never/subscribed"]))
    assert r.recv_exact(4) == b"\xb0\x02\x01\x03"
    pub = clients(broker, client_id="unsub-pub")
    pub.publish("u/t", b"gone", qos=1)
    recv_none(r, 0.5)


def test_unsuback_v5_reason_codes(broker, raw):
    """5.0 3.11.3: one reason code per filter: 0x00 Success, 0x11 No subscription existed; the
    filters are processed as a sequence of UNSUBSCRIBEs [MQTT-3.10.4-6], so the repeat is 0x11."""
    r = raw(broker)
    handshake(r, "unsub5", version=5)
    raw_subscribe(r, [("u5/a", 0)], version=5)
    r.send(unsubscribe(9, ["u5/a", "u5/none", "u5/a"], version=5))
    p = recv(r, 5)
    assert p.type == UNSUBACK and p.packet_id == 9
    assert p.reason_codes() == [0x00, 0x11, 0x11]


def test_paho_unsubscribe_stops_delivery(broker, clients):
    """[MQTT-3.10.4-2] after UNSUBSCRIBE the server stops adding new messages for the filter;
    other subscriptions of the client are untouched [MQTT-3.10.4-1] (exact filter match only)."""
    c = clients(broker, client_id="unsub-paho")
    c.subscribe("us/#", 1)
    c.subscribe("us/a", 1)
    c.unsubscribe("us/a")
    pub = clients(broker, client_id="unsub-paho-pub")
    pub.publish("us/a", b"1", qos=1)
    assert len(c.drain(0.4)) == 1, "still subscribed through us/#"
    c.unsubscribe("us/+")  # not an existing filter: must not remove us/# [MQTT-3.10.4-1]
    pub.publish("us/a", b"2", qos=1)
    assert c.expect().payload == b"2"
    c.unsubscribe("us/#")
    pub.publish("us/a", b"3", qos=1)
    c.expect_none(0.4)


@pytest.mark.parametrize("first", [0xA0, 0xA3, 0xAA])
def test_unsubscribe_reserved_flags(broker, raw, first):
    """[MQTT-3.10.1-1] UNSUBSCRIBE fixed-header flags must be 0010, else close."""
    r = raw(broker)
    handshake(r, "unsubflags")
    r.send(unsubscribe(1, ["a"], first=first))
    assert all(p.type != UNSUBACK for p in recv_until_close(r))


def test_unsubscribe_without_filters(broker, raw):
    """[MQTT-3.10.3-2] an UNSUBSCRIBE with no topic filter is a protocol violation."""
    r = raw(broker)
    handshake(r, "unsubempty")
    r.send(b"\xa2\x02\x00\x01")
    assert all(p.type != UNSUBACK for p in recv_until_close(r))


def test_subscription_delivers_after_suback(broker, raw, clients):
    """A message published after the SUBACK reaches the new subscription."""
    r = raw(broker)
    handshake(r, "afterack")
    raw_subscribe(r, [("aa/+", 2)])
    pub = clients(broker, client_id="afterack-pub")
    pub.publish("aa/b", b"v", qos=0)
    p = recv(r)
    assert p.type == PUBLISH and p.publish()[0] == "aa/b" and p.publish()[3] == b"v"
