"""Area 04: retained messages.

Checked against the OASIS MQTT 3.1.1 and 5.0 specifications (requirement ids quoted in each
test: 3.1.1 numbering unless marked 5.0). Where the specification lets a server choose, the test
accepts every conforming choice.
"""
import time

import pytest

from util_part1 import (
    PUBLISH, collect, handshake, opts, publish, publish_props, raw_subscribe, recv,
)



def sync(pub):
    """A QoS 1 round trip on `pub`'s connection: once acknowledged, everything `pub` sent before
    has been processed by the broker (packets of one connection are handled in order)."""
    pub.publish("nmq-test/sync", b"", qos=1)


@pytest.mark.parametrize("version", [3, 4, 5])
def test_retained_delivered_on_subscribe(broker, clients, version):
    """[MQTT-3.3.1-5] a RETAIN=1 message is stored; [MQTT-3.3.1-6] a new subscription gets the
    last retained message of each matching topic, with RETAIN=1 [MQTT-3.3.1-8]."""
    pub = clients(broker, client_id=f"ret-pub{version}", version=version)
    pub.publish("ret/a", b"kept", qos=1, retain=True)
    pub.disconnect()
    sub = clients(broker, client_id=f"ret-sub{version}", version=version)
    sub.subscribe("ret/a", 1)
    m = sub.expect()
    assert (m.topic, m.payload, m.retain, m.qos) == ("ret/a", b"kept", 1, 1)
    sub.expect_none(0.3)


def test_retained_raw_flag(broker, raw, clients):
    """[MQTT-3.3.1-8] the RETAIN bit of the PUBLISH sent because of the new subscription is 1."""
    clients(broker, client_id="rr-pub").publish("rr/t", b"r", qos=0, retain=True)
    pub = clients(broker, client_id="rr-pub2")
    sync(pub)
    r = raw(broker)
    handshake(r, "rr-sub")
    raw_subscribe(r, [("rr/t", 0)])
    p = recv(r)
    assert p.type == PUBLISH and p.first == 0x31
    assert p.publish()[0] == "rr/t" and p.publish()[3] == b"r"


@pytest.mark.parametrize("stored_qos", [0, 1, 2])
def test_retained_qos_is_min_of_stored_and_granted(broker, clients, stored_qos):
    """[MQTT-3.3.1-5] the server stores the message and its QoS; delivery uses the minimum of
    that QoS and the subscription's [MQTT-3.8.4-6]."""
    pub = clients(broker, client_id="rq-pub")
    pub.publish("rq/t", b"q", qos=stored_qos, retain=True)
    sync(pub)
    for sub_qos in range(3):
        sub = clients(broker, client_id=f"rq-sub{sub_qos}")
        sub.subscribe("rq/t", sub_qos)
        m = sub.expect()
        assert (m.payload, m.retain, m.qos) == (b"q", 1, min(stored_qos, sub_qos))


def test_retained_replaced(broker, clients):
    """A new retained message on a topic replaces the previous one [MQTT-3.3.1-5]."""
    pub = clients(broker, client_id="repl-pub")
    pub.publish("repl/t", b"v1", qos=1, retain=True)
    pub.publish("repl/t", b"v2", qos=1, retain=True)
    sub = clients(broker, client_id="repl-sub")
    sub.subscribe("repl/t", 1)
    assert sub.expect().payload == b"v2"
    sub.expect_none(0.3)


def test_retained_qos0_discards_previous(broker, clients):
    """[MQTT-3.3.1-7] a retained QoS 0 message discards any previous retained message for the
    topic; the server SHOULD store it but MAY drop it: the old one must never come back."""
    pub = clients(broker, client_id="q0r-pub")
    pub.publish("q0r/t", b"old", qos=1, retain=True)
    pub.publish("q0r/t", b"new", qos=0, retain=True)
    sync(pub)
    sub = clients(broker, client_id="q0r-sub")
    sub.subscribe("q0r/t", 1)
    got = [m.payload for m in sub.drain(0.4)]
    assert got in ([b"new"], [])


@pytest.mark.parametrize("version", [4, 5])
def test_retained_cleared_by_empty_payload(broker, clients, version):
    """[MQTT-3.3.1-10] a RETAIN=1 zero-byte message is delivered to current subscribers as
    normal and removes the retained message; [MQTT-3.3.1-11] it is not itself stored."""
    pub = clients(broker, client_id="clr-pub", version=version)
    pub.publish("clr/t", b"something", qos=1, retain=True)
    live = clients(broker, client_id="clr-live", version=version)
    live.subscribe("clr/t", 1)
    assert live.expect().payload == b"something"
    pub.publish("clr/t", b"", qos=1, retain=True)
    m = live.expect()
    assert m.payload == b""
    later = clients(broker, client_id="clr-later", version=version)
    later.subscribe("clr/t", 1)
    later.expect_none(0.5)


def test_non_retained_publish_keeps_retained(broker, clients):
    """[MQTT-3.3.1-12] a RETAIN=0 message is not stored and does not remove or replace the
    retained message, not even with an empty payload."""
    pub = clients(broker, client_id="keep-pub")
    pub.publish("keep/t", b"retained", qos=1, retain=True)
    pub.publish("keep/t", b"live", qos=1, retain=False)
    pub.publish("keep/t", b"", qos=1, retain=False)
    sub = clients(broker, client_id="keep-sub")
    sub.subscribe("keep/t", 1)
    assert sub.expect().payload == b"retained"
    sub.expect_none(0.3)


def test_live_message_retain_flag_cleared_v311(broker, clients):
    """[MQTT-3.3.1-9] (3.1.1) a message sent because it matches an established subscription has
    RETAIN=0, however the publisher set it."""
    sub = clients(broker, client_id="live-sub")
    sub.subscribe("live/t", 1)
    pub = clients(broker, client_id="live-pub")
    pub.publish("live/t", b"r", qos=1, retain=True)
    m = sub.expect()
    assert (m.payload, m.retain) == (b"r", 0)


def test_v5_retain_as_published(broker, clients):
    """5.0 [MQTT-3.3.1-12] Retain As Published 0: RETAIN forwarded as 0; [MQTT-3.3.1-13] Retain
    As Published 1: RETAIN forwarded as published."""
    rap0 = clients(broker, client_id="rap0", version=5)
    rap0.subscribe("rap/t", options=opts(1, retain_as_published=False))
    rap1 = clients(broker, client_id="rap1", version=5)
    rap1.subscribe("rap/t", options=opts(1, retain_as_published=True))
    pub = clients(broker, client_id="rap-pub", version=5)
    pub.publish("rap/t", b"r", qos=1, retain=True)
    pub.publish("rap/t", b"n", qos=1, retain=False)
    a, b = collect([rap0, rap1], 4)
    assert [(m.payload, m.retain) for m in a] == [(b"r", 0), (b"n", 0)]
    assert [(m.payload, m.retain) for m in b] == [(b"r", 1), (b"n", 0)]


def test_v5_retain_handling(broker, clients):
    """5.0 Retain Handling: 0 -> retained messages sent at every subscribe [MQTT-3.3.1-9];
    1 -> only if the subscription did not exist [MQTT-3.3.1-10]; 2 -> never [MQTT-3.3.1-11]."""
    pub = clients(broker, client_id="rh-pub", version=5)
    pub.publish("rh/t", b"ret", qos=1, retain=True)

    c0 = clients(broker, client_id="rh0", version=5)
    for _ in range(2):
        c0.subscribe("rh/t", options=opts(1, retain_handling=0))
        m = c0.expect()
        assert (m.payload, m.retain) == (b"ret", 1)

    c1 = clients(broker, client_id="rh1", version=5)
    c1.subscribe("rh/t", options=opts(1, retain_handling=1))
    assert c1.expect().payload == b"ret"
    c1.subscribe("rh/t", options=opts(1, retain_handling=1))
    c1.expect_none(0.4)

    c2 = clients(broker, client_id="rh2", version=5)
    c2.subscribe("rh/t", options=opts(1, retain_handling=2))
    c2.expect_none(0.4)
    pub.publish("rh/t", b"live", qos=1)
    assert c2.expect().payload == b"live"


def test_resubscribe_resends_retained(broker, clients):
    """[MQTT-3.8.4-3] (3.1.1) re-subscribing with an identical filter re-sends the matching
    retained messages."""
    pub = clients(broker, client_id="rs-pub")
    pub.publish("rs/t", b"again", qos=1, retain=True)
    sub = clients(broker, client_id="rs-sub")
    sub.subscribe("rs/t", 1)
    assert sub.expect().payload == b"again"
    sub.subscribe("rs/t", 1)
    m = sub.expect()
    assert (m.payload, m.retain) == (b"again", 1)


@pytest.mark.parametrize("version", [4, 5])
def test_retained_for_wildcard_subscriptions(broker, clients, version):
    """[MQTT-3.3.1-6] the last retained message on *each* matching topic is sent."""
    pub = clients(broker, client_id="rw-pub", version=version)
    for t in ["rw/a", "rw/b", "rw/c/d", "rw", "other/x"]:
        pub.publish(t, t.encode(), qos=1, retain=True)
    expected = {"rw/#": {"rw/a", "rw/b", "rw/c/d", "rw"}, "rw/+": {"rw/a", "rw/b"},
                "+/+/d": {"rw/c/d"}, "+": {"rw"}, "rw/c/#": {"rw/c/d"}}
    subs = []
    for i, flt in enumerate(expected):
        s = clients(broker, client_id=f"rw-sub{i}", version=version)
        s.subscribe(flt, 1)
        subs.append(s)
    received = collect(subs, sum(len(v) for v in expected.values()))
    for (flt, want), got in zip(expected.items(), received):
        topics = [m.topic for m in got]
        assert sorted(topics) == sorted(want), flt
        assert all(m.retain and m.payload == m.topic.encode() for m in got)


def test_retained_dollar_topics_not_matched_by_wildcards(broker, raw, clients):
    """[MQTT-4.7.2-1] retained messages on '$' topics (a client's and the broker's own $SYS ones)
    are not sent for '#' or '+/...' subscriptions. '$test/#' gets the client's one, unless the
    server keeps clients off '$' topics (4.7.2: it SHOULD): both are accepted."""
    r = raw(broker)  # a raw publisher: a server may disconnect a client that uses '$' topics
    handshake(r, "rd-pub")
    r.send(publish("$test/r", b"dollar", qos=0, retain=True))
    pub = clients(broker, client_id="rd-pub2")
    pub.publish("plain/r", b"plain", qos=1, retain=True)
    time.sleep(0.2)
    s_hash = clients(broker, client_id="rd1")
    s_hash.subscribe("#", 0)
    s_plus = clients(broker, client_id="rd2")
    s_plus.subscribe("+/r", 0)
    s_dollar = clients(broker, client_id="rd3")
    s_dollar.subscribe("$test/#", 0)
    a, b, c = collect([s_hash, s_plus, s_dollar], 3, grace=0.4)
    assert all(not m.topic.startswith("$") for m in a + b), [m.topic for m in a + b]
    assert "plain/r" in [m.topic for m in a]
    assert [m.topic for m in b] == ["plain/r"]
    assert [m.topic for m in c] in ([], ["$test/r"])


def test_v5_retained_properties_kept(broker, clients):
    """5.0 3.3.2.3: the server forwards Payload Format Indicator, Content Type and User
    Properties (in order [MQTT-3.3.2-18]) unaltered, also from the retained store."""
    pub = clients(broker, client_id="rp-pub", version=5)
    props = publish_props(PayloadFormatIndicator=1, ContentType="text/plain",
                          UserProperty=[("k1", "v1"), ("k2", "v2"), ("k1", "v3")])
    pub.publish("rp/t", b"hello", qos=1, retain=True, properties=props)
    sub = clients(broker, client_id="rp-sub", version=5)
    sub.subscribe("rp/t", options=opts(1))
    m = sub.expect()
    assert m.retain and m.payload == b"hello"
    assert m.properties.PayloadFormatIndicator == 1
    assert m.properties.ContentType == "text/plain"
    assert m.properties.UserProperty == [("k1", "v1"), ("k2", "v2"), ("k1", "v3")]


def test_retained_many_topics(broker, clients):
    """Many retained topics: all delivered to one wildcard subscription, once each."""
    pub = clients(broker, client_id="rm-pub")
    n = 300
    for i in range(n):
        pub.publish(f"rm/{i}", str(i).encode(), qos=1, retain=True, wait=False)
    sync(pub)
    pub.publish(f"rm/{n - 1}", str(n - 1).encode(), qos=1, retain=True)
    sub = clients(broker, client_id="rm-sub")
    sub.subscribe("rm/+", 1)
    [got] = collect([sub], n)
    assert sorted(int(m.payload) for m in got) == list(range(n))
    assert all(m.retain for m in got)
