"""MQTT 5.0 properties, checked against the OASIS MQTT 5.0 text (section 3.3.2.3 PUBLISH
properties, 3.1.2.11 CONNECT properties, 3.2.2.3 CONNACK properties).

[MQTT-3.3.2-4]  Payload Format Indicator forwarded unaltered
[MQTT-3.3.2-5]  expired messages are not delivered
[MQTT-3.3.2-6]  Message Expiry Interval delivered = received value - time waited
[MQTT-3.3.2-8]  Topic Alias 0 not permitted; [MQTT-3.3.2-9/10] alias > Topic Alias Maximum
[MQTT-3.3.2-11] the server never sends an alias above the client's Topic Alias Maximum
[MQTT-3.3.2-15/16] Response Topic and Correlation Data forwarded unaltered
[MQTT-3.3.2-17/18] User Properties forwarded unaltered and in order
[MQTT-3.3.2-20] Content Type forwarded unaltered
[MQTT-3.1.2-24/25] nothing bigger than the client's Maximum Packet Size is sent to it
[MQTT-3.1.2-26/27] no Topic Alias above (or without) the client's Topic Alias Maximum
[MQTT-3.1.2-28] Request Response Information 0 -> no Response Information
[MQTT-3.1.2-29] Request Problem Information 0 -> no Reason String / User Property except on
                PUBLISH, CONNACK, DISCONNECT
[MQTT-3.2.2-16] Assigned Client Identifier for an empty Client Identifier
[MQTT-3.3.4-3..5] Subscription Identifiers delivered with matching messages
[MQTT-3.8.3-3]  No Local
"""
import time

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from util_part2 import (ASSIGNED_CLIENT_IDENTIFIER, AUTHENTICATION_METHOD, MAXIMUM_PACKET_SIZE,
                        MAXIMUM_QOS, REASON_STRING, RECEIVE_MAXIMUM,
                        REQUEST_PROBLEM_INFORMATION, RESPONSE_INFORMATION, RETAIN_AVAILABLE,
                        SERVER_KEEP_ALIVE, SESSION_EXPIRY_INTERVAL,
                        SHARED_SUBSCRIPTION_AVAILABLE, SUBSCRIPTION_IDENTIFIER_AVAILABLE,
                        TOPIC_ALIAS, TOPIC_ALIAS_MAXIMUM, USER_PROPERTY,
                        WILDCARD_SUBSCRIPTION_AVAILABLE, Bystander, ack_packet,
                        assert_closed_with_reason, packet, parse_ack, parse_publish,
                        parse_suback, prop, prop_all, publish_packet, raw_connect,
                        raw_subscribe, recv_packet_timeout, subscribe_packet,
                        unique, unsubscribe_packet)

V5 = 5


def pub_props(**kw):
    p = Properties(PacketTypes.PUBLISH)
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def has(props, name):
    return props is not None and hasattr(props, name)


def pair(clients, broker, topic, sub_props=None, connect_props=None, qos=1):
    sub = clients(broker, client_id=unique("sub"), version=V5, properties=connect_props)
    if sub_props is not None:
        sub.subscribe(topic, qos, properties=sub_props)
    else:
        sub.subscribe(topic, qos)
    pub = clients(broker, client_id=unique("pub"), version=V5)
    return sub, pub


# ---------------------------------------------------------------------------------------------
# Forwarded unaltered


def test_payload_format_and_content_type_forwarded(clients, broker):
    """[MQTT-3.3.2-4] Payload Format Indicator and [MQTT-3.3.2-20] Content Type are sent
    unaltered to every subscriber."""
    topic = unique("pf/t")
    sub, pub = pair(clients, broker, topic)
    sub2 = clients(broker, version=V5)
    sub2.subscribe(topic, 0)
    pub.publish(topic, "héllo".encode(), qos=1,
                properties=pub_props(PayloadFormatIndicator=1, ContentType="text/plain; charset=utf-8"))
    pub.publish(topic, b"\x00\x01", qos=1, properties=pub_props(PayloadFormatIndicator=0))
    pub.publish(topic, b"none", qos=1)
    for c in (sub, sub2):
        m1, m0, mn = c.expect(), c.expect(), c.expect()
        assert m1.properties.PayloadFormatIndicator == 1
        assert m1.properties.ContentType == "text/plain; charset=utf-8"
        assert not has(m0.properties, "ContentType")
        assert getattr(m0.properties, "PayloadFormatIndicator", 0) == 0
        assert not has(mn.properties, "PayloadFormatIndicator")
        assert not has(mn.properties, "ContentType")


def test_response_topic_and_correlation_data_forwarded(clients, broker):
    """[MQTT-3.3.2-15] Response Topic and [MQTT-3.3.2-16] Correlation Data are sent unaltered
    (request/response, section 4.10)."""
    topic = unique("rr/req")
    sub, pub = pair(clients, broker, topic)
    corr = bytes(range(256)) + b"\x00end"
    pub.publish(topic, b"req", qos=1,
                properties=pub_props(ResponseTopic="rr/resp/äöü", CorrelationData=corr))
    m = sub.expect()
    assert m.properties.ResponseTopic == "rr/resp/äöü"
    assert m.properties.CorrelationData == corr


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_user_properties_forwarded_in_order(clients, broker, qos):
    """[MQTT-3.3.2-17] User Properties are forwarded unaltered and [MQTT-3.3.2-18] in the same
    order, repeated names included (section 3.3.2.3.7 allows the same name more than once)."""
    topic = unique("up/t")
    sub, pub = pair(clients, broker, topic, qos=2)
    ups = [("b", "1"), ("a", "2"), ("b", "3"), ("empty", ""), ("ünï", "çødé"), ("a", "2")]
    pub.publish(topic, b"x", qos=qos, properties=pub_props(UserProperty=ups))
    m = sub.expect()
    assert m.properties.UserProperty == ups


def test_properties_forwarded_to_offline_session(clients, broker):
    """The PUBLISH properties survive queueing for an offline session (same requirements)."""
    topic, cid = unique("upq/t"), unique("upq")
    cp = Properties(PacketTypes.CONNECT)
    cp.SessionExpiryInterval = 60
    sub = clients(broker, client_id=cid, version=V5, clean=False, properties=cp)
    sub.subscribe(topic, 1)
    sub.disconnect()
    time.sleep(0.3)
    pub = clients(broker, version=V5)
    ups = [("k", "v1"), ("k", "v2")]
    pub.publish(topic, b"q", qos=1, properties=pub_props(
        UserProperty=ups, ResponseTopic="r/t", CorrelationData=b"cd", ContentType="ct",
        PayloadFormatIndicator=1))
    sub = clients(broker, client_id=cid, version=V5, clean=False, properties=cp)
    m = sub.expect()
    assert m.properties.UserProperty == ups
    assert m.properties.ResponseTopic == "r/t"
    assert m.properties.CorrelationData == b"cd"
    assert m.properties.ContentType == "ct"
    assert m.properties.PayloadFormatIndicator == 1


# ---------------------------------------------------------------------------------------------
# Message Expiry Interval


def test_message_expiry_online_delivery_carries_interval(clients, broker):
    """[MQTT-3.3.2-6]: the forwarded PUBLISH carries the Message Expiry Interval, reduced by the
    time waited (so at most the original); a message without one gets none."""
    topic = unique("mx/t")
    sub, pub = pair(clients, broker, topic)
    pub.publish(topic, b"e", qos=1, properties=pub_props(MessageExpiryInterval=30))
    pub.publish(topic, b"n", qos=1)
    m, n = sub.expect(), sub.expect()
    assert 0 < m.properties.MessageExpiryInterval <= 30
    assert not has(n.properties, "MessageExpiryInterval")


def test_message_expiry_drops_queued_message(clients, broker):
    """[MQTT-3.3.2-5]: a message queued for an offline session whose expiry (1 s) has passed is
    not delivered; [MQTT-3.3.2-6]: one still valid is delivered with its interval reduced by
    the time it waited; one without expiry is delivered without the property."""
    topic, cid = unique("mxq/t"), unique("mxq")
    cp = Properties(PacketTypes.CONNECT)
    cp.SessionExpiryInterval = 60
    sub = clients(broker, client_id=cid, version=V5, clean=False, properties=cp)
    sub.subscribe(topic, 1)
    sub.disconnect()
    time.sleep(0.3)
    pub = clients(broker, version=V5)
    pub.publish(topic, b"short", qos=1, properties=pub_props(MessageExpiryInterval=1))
    pub.publish(topic, b"long", qos=1, properties=pub_props(MessageExpiryInterval=60))
    pub.publish(topic, b"forever", qos=1)
    time.sleep(2.5)
    sub = clients(broker, client_id=cid, version=V5, clean=False, properties=cp)
    got = sub.drain(0.7)
    assert [m.payload for m in got] == [b"long", b"forever"]
    left = got[0].properties.MessageExpiryInterval
    assert 50 <= left <= 58, f"expiry {left} after waiting 2.5 s of 60"
    assert not has(got[1].properties, "MessageExpiryInterval")


def test_message_expiry_retained(clients, broker):
    """[MQTT-3.3.2-5] applies to retained messages too: an expired retained message is not
    sent to a new subscriber; a live one is, with the reduced interval [MQTT-3.3.2-6]."""
    t1, t2 = unique("mxr/a"), unique("mxr/b")
    pub = clients(broker, version=V5)
    pub.publish(t1, b"gone", qos=1, retain=True, properties=pub_props(MessageExpiryInterval=1))
    pub.publish(t2, b"kept", qos=1, retain=True, properties=pub_props(MessageExpiryInterval=60))
    time.sleep(2.2)
    sub = clients(broker, version=V5)
    sub.subscribe(t1, 1)
    sub.subscribe(t2, 1)
    got = sub.drain(0.6)
    assert [m.payload for m in got] == [b"kept"]
    assert 50 <= got[0].properties.MessageExpiryInterval <= 58
    pub.publish(t2, b"", qos=1, retain=True)


# ---------------------------------------------------------------------------------------------
# Topic aliases, client -> server


def _alias_publisher(raw, broker):
    r, _, rc, props = raw_connect(raw, broker, version=V5)
    assert rc == 0
    tam = prop(props, TOPIC_ALIAS_MAXIMUM, 0)
    if tam == 0:
        pytest.skip("server accepts no Topic Aliases (Topic Alias Maximum 0 or absent)")
    return r, tam


def test_topic_alias_from_client(clients, broker, raw):
    """Section 3.3.2.3.4: a PUBLISH with a Topic Name and Topic Alias sets the mapping; later
    PUBLISHes with an empty Topic Name and the alias go to that topic; a new Topic Name for the
    same alias replaces the mapping."""
    t1, t2 = unique("ta/one"), unique("ta/two")
    sub = clients(broker, version=V5)
    sub.subscribe(t1, 1)
    sub.subscribe(t2, 1)
    r, tam = _alias_publisher(raw, broker)
    r.send(publish_packet(t1, b"1", qos=0, version=V5, props=[(TOPIC_ALIAS, 1)]))
    r.send(publish_packet("", b"2", qos=1, pid=10, version=V5, props=[(TOPIC_ALIAS, 1)]))
    first, body = r.recv_packet()
    assert first >> 4 == 4 and parse_ack(first, body, V5)[0] == 10
    r.send(publish_packet(t2, b"3", qos=0, version=V5, props=[(TOPIC_ALIAS, 1)]))
    r.send(publish_packet("", b"4", qos=0, version=V5, props=[(TOPIC_ALIAS, 1)]))
    r.send(publish_packet(t1, b"5", qos=0, version=V5, props=[(TOPIC_ALIAS, tam)]))
    r.send(publish_packet("", b"6", qos=0, version=V5, props=[(TOPIC_ALIAS, tam)]))
    got = [(m.topic, m.payload) for m in sub.drain(0.6)]
    assert got == [(t1, b"1"), (t1, b"2"), (t2, b"3"), (t2, b"4"), (t1, b"5"), (t1, b"6")]


def test_topic_alias_not_forwarded_to_subscribers(clients, broker, raw):
    """Topic Aliases belong to one connection (section 3.3.2.3.4): a subscriber that set no
    Topic Alias Maximum gets the full Topic Name and no Topic Alias [MQTT-3.1.2-27]."""
    topic = unique("tan/t")
    s, _, rc, _ = raw_connect(raw, broker, version=V5)
    raw_subscribe(s, [(topic, 0)], version=V5)
    r, _ = _alias_publisher(raw, broker)
    r.send(publish_packet(topic, b"a", version=V5, props=[(TOPIC_ALIAS, 1)]))
    r.send(publish_packet("", b"b", version=V5, props=[(TOPIC_ALIAS, 1)]))
    for want in (b"a", b"b"):
        first, body = s.recv_packet()
        p = parse_publish(first, body, V5)
        assert p["payload"] == want and p["topic"] == topic.encode()
        assert prop(p["props"], TOPIC_ALIAS) is None


@pytest.mark.parametrize("alias", ["zero", "above_max"])
def test_invalid_topic_alias_closes(clients, broker, raw, alias):
    """[MQTT-3.3.2-8] Topic Alias 0 and [MQTT-3.3.2-9] a Topic Alias above the server's Topic
    Alias Maximum are errors: the server closes the connection, with DISCONNECT 0x94 (Topic Alias
    invalid) if it sends one (for alias 0, 0x82 Protocol Error and 0x81 Malformed Packet, as
    mosquitto sends, are accepted too: 0 is outside the property's range). A bystander keeps
    working."""
    good = Bystander(clients, broker, version=V5)
    r, tam = _alias_publisher(raw, broker)
    value = 0 if alias == "zero" else tam + 1
    r.send(publish_packet(unique("bad/alias"), b"x", version=V5, props=[(TOPIC_ALIAS, value)]))
    assert_closed_with_reason(r, allowed=(0x94, 0x82, 0x81) if alias == "zero" else (0x94,))
    good.check()


@pytest.mark.nmq_only
@pytest.mark.parametrize("alias", ["zero", "above_max"])
def test_invalid_topic_alias_disconnect_0x94(broker, raw, alias):
    """Our broker sends the DISCONNECT the spec recommends (section 4.13: SHOULD): 0x94."""
    r, tam = _alias_publisher(raw, broker)
    value = 0 if alias == "zero" else tam + 1
    r.send(publish_packet(unique("bad/alias"), b"x", version=V5, props=[(TOPIC_ALIAS, value)]))
    assert assert_closed_with_reason(r, allowed=(0x94,), require_disconnect=True) == 0x94


def test_unknown_topic_alias_is_protocol_error(clients, broker, raw):
    """Section 3.3.2.3.4: an empty Topic Name with an alias that has no mapping is a Protocol
    Error (DISCONNECT 0x82 if one is sent)."""
    good = Bystander(clients, broker, version=V5)
    r, _ = _alias_publisher(raw, broker)
    r.send(publish_packet("", b"x", version=V5, props=[(TOPIC_ALIAS, 1)]))
    assert_closed_with_reason(r, allowed=(0x82, 0x94))
    good.check()


def test_topic_alias_mapping_is_per_connection(clients, broker, raw):
    """Section 3.3.2.3.4: alias mappings last for one Network Connection only; using the
    alias alone on a new connection is the unknown-alias Protocol Error."""
    topic = unique("tap/t")
    r, _ = _alias_publisher(raw, broker)
    r.send(publish_packet(topic, b"x", version=V5, props=[(TOPIC_ALIAS, 1)]))
    r.send(packet(0xE0, b""))
    r.close()
    r2, _ = _alias_publisher(raw, broker)
    r2.send(publish_packet("", b"y", version=V5, props=[(TOPIC_ALIAS, 1)]))
    assert_closed_with_reason(r2, allowed=(0x82, 0x94))


# ---------------------------------------------------------------------------------------------
# Topic aliases, server -> client


def test_server_topic_aliases_respect_client_maximum(clients, broker, raw):
    """[MQTT-3.1.2-26] / [MQTT-3.3.2-11]: when the client allows 2 aliases the server may use
    aliases 1..2 only, must send a Topic Name the first time it uses an alias, and every
    PUBLISH must resolve to the right topic (the server may not use aliases at all)."""
    base = unique("sta")
    r, _, rc, _ = raw_connect(raw, broker, version=V5, props=[(TOPIC_ALIAS_MAXIMUM, 2)])
    assert rc == 0
    raw_subscribe(r, [(base + "/#", 0)], version=V5)
    pub = clients(broker, version=V5)
    sent = []
    for i in range(12):
        t = f"{base}/{'abc'[i % 3]}"
        pub.publish(t, f"{i}".encode(), qos=0)
        sent.append((t.encode(), f"{i}".encode()))
    mapping, got = {}, []
    for _ in sent:
        first, body = r.recv_packet()
        p = parse_publish(first, body, V5)
        alias = prop(p["props"], TOPIC_ALIAS)
        topic = p["topic"]
        if alias is not None:
            assert 1 <= alias <= 2, f"Topic Alias {alias} above the client's maximum 2"
            if topic:
                mapping[alias] = topic
            else:
                assert alias in mapping, "alias used before it was mapped"
                topic = mapping[alias]
        assert topic, "empty Topic Name without Topic Alias"
        got.append((topic, p["payload"]))
    assert got == sent


def test_no_server_topic_alias_without_client_maximum(clients, broker, raw):
    """[MQTT-3.1.2-27]: a client that sends no Topic Alias Maximum gets no Topic Aliases."""
    topic = unique("nsta/t")
    r, _, rc, _ = raw_connect(raw, broker, version=V5)
    raw_subscribe(r, [(topic, 0)], version=V5)
    pub = clients(broker, version=V5)
    for i in range(5):
        pub.publish(topic, b"x", qos=0)
    for _ in range(5):
        first, body = r.recv_packet()
        p = parse_publish(first, body, V5)
        assert p["topic"] == topic.encode()
        assert prop(p["props"], TOPIC_ALIAS) is None


# ---------------------------------------------------------------------------------------------
# Maximum Packet Size and Receive Maximum from the client


def test_client_maximum_packet_size(clients, broker):
    """[MQTT-3.1.2-24]: the server does not send a packet bigger than the client's Maximum
    Packet Size; [MQTT-3.1.2-25]: it discards such a message as if it had been sent, and the
    messages after it still arrive."""
    topic = unique("mps/t")
    cp = Properties(PacketTypes.CONNECT)
    cp.MaximumPacketSize = 256
    sub, pub = pair(clients, broker, topic, connect_props=cp)
    pub.publish(topic, b"small-1", qos=1)
    pub.publish(topic, b"B" * 1000, qos=1)
    pub.publish(topic, b"small-2", qos=0)
    pub.publish(topic, b"C" * 300, qos=0)
    pub.publish(topic, b"small-3", qos=1)
    got = [m.payload for m in sub.drain(0.7)]
    assert got == [b"small-1", b"small-2", b"small-3"]


def test_client_maximum_packet_size_counts_properties(clients, broker, raw):
    """[MQTT-3.1.2-24] is about the whole packet, properties included: a PUBLISH whose payload
    fits but whose User Properties push it over the limit is not sent."""
    topic = unique("mpsp/t")
    r, _, rc, _ = raw_connect(raw, broker, version=V5, props=[(MAXIMUM_PACKET_SIZE, 200)])
    raw_subscribe(r, [(topic, 0)], version=V5)
    pub = clients(broker, version=V5)
    pub.publish(topic, b"p" * 20, qos=1, properties=pub_props(UserProperty=[("k", "v" * 300)]))
    pub.publish(topic, b"ok", qos=1)
    first, body = r.recv_packet()
    assert len(body) + 2 <= 200
    assert parse_publish(first, body, V5)["payload"] == b"ok"


def test_receive_maximum_qos2_slot_freed_by_pubcomp(clients, broker, raw):
    """[MQTT-3.3.4-9]: a QoS 2 PUBLISH occupies a Receive Maximum slot until PUBCOMP (a PUBREC
    with a success code does not free it). Receive Maximum 1: the second message waits for the
    PUBCOMP of the first."""
    topic = unique("rm2/t")
    r, _, rc, _ = raw_connect(raw, broker, version=V5, props=[(RECEIVE_MAXIMUM, 1)])
    raw_subscribe(r, [(topic, 2)], version=V5)
    pub = clients(broker, version=V5)
    for i in range(3):
        pub.publish(topic, f"m{i}".encode(), qos=2)
    got = []
    for i in range(3):
        first, body = r.recv_packet()
        p = parse_publish(first, body, V5)
        assert p["qos"] == 2
        got.append(p["payload"])
        r.send(ack_packet(0x50, p["pid"], V5))                  # PUBREC
        first, body = r.recv_packet()
        assert first == 0x62, f"expected PUBREL, got {first:#x}"  # nothing else in between
        assert parse_ack(first, body, V5)[0] == p["pid"]
        assert recv_packet_timeout(r, 0.4) is None, "a PUBLISH beyond Receive Maximum 1"
        r.send(ack_packet(0x70, p["pid"], V5))                  # PUBCOMP
    assert got == [b"m0", b"m1", b"m2"]


# ---------------------------------------------------------------------------------------------
# Subscription Identifiers, No Local


def test_subscription_identifier_delivered(clients, broker):
    """[MQTT-3.3.4-3]: a message matching a subscription made with a Subscription Identifier
    carries it; one matching a subscription without an identifier carries none."""
    base = unique("sid")
    sub = clients(broker, version=V5)
    sp = Properties(PacketTypes.SUBSCRIBE)
    sp.SubscriptionIdentifier = 42
    sub.subscribe(f"{base}/with", 1, properties=sp)
    sub.subscribe(f"{base}/without", 1)
    pub = clients(broker, version=V5)
    pub.publish(f"{base}/with", b"w", qos=1)
    pub.publish(f"{base}/without", b"o", qos=1)
    w, o = sub.expect(), sub.expect()
    assert w.properties.SubscriptionIdentifier == [42]
    assert not has(o.properties, "SubscriptionIdentifier")


def test_overlapping_subscription_identifiers(clients, broker):
    """[MQTT-3.3.4-4]: one copy for overlapping subscriptions carries all their identifiers;
    [MQTT-3.3.4-5]: separate copies carry the identifier of their own subscription. Either
    way the identifiers 7 and 268435455 (the largest, section 3.8.2.1.2) both arrive."""
    base = unique("sido")
    sub = clients(broker, version=V5)
    for filt, sid in ((f"{base}/+", 7), (f"{base}/#", 268435455)):
        sp = Properties(PacketTypes.SUBSCRIBE)
        sp.SubscriptionIdentifier = sid
        sub.subscribe(filt, 1, properties=sp)
    pub = clients(broker, version=V5)
    pub.publish(f"{base}/x", b"o", qos=1)
    copies = sub.drain(0.6)
    assert 1 <= len(copies) <= 2
    ids = [i for m in copies for i in m.properties.SubscriptionIdentifier]
    assert sorted(ids) == [7, 268435455]
    if len(copies) == 2:
        assert all(len(m.properties.SubscriptionIdentifier) == 1 for m in copies)


def test_subscription_identifier_replaced_on_resubscribe(clients, broker):
    """Section 3.8.4: a SUBSCRIBE for an existing filter replaces the subscription, identifier
    included."""
    topic = unique("sidr/t")
    sub = clients(broker, version=V5)
    sp = Properties(PacketTypes.SUBSCRIBE)
    sp.SubscriptionIdentifier = 5
    sub.subscribe(topic, 1, properties=sp)
    sp = Properties(PacketTypes.SUBSCRIBE)
    sp.SubscriptionIdentifier = 6
    sub.subscribe(topic, 1, properties=sp)
    pub = clients(broker, version=V5)
    pub.publish(topic, b"x", qos=1)
    got = sub.drain(0.5)
    assert len(got) == 1 and got[0].properties.SubscriptionIdentifier == [6]


def test_subscription_identifier_zero_is_protocol_error(clients, broker, raw):
    """Section 3.8.2.1.2: a Subscription Identifier of 0 is a Protocol Error."""
    good = Bystander(clients, broker, version=V5)
    r, _, rc, _ = raw_connect(raw, broker, version=V5)
    r.send(subscribe_packet(1, [(unique("sid0/t"), 1)], version=V5, props=[(0x0B, 0)]))
    assert_closed_with_reason(r, allowed=(0x82, 0x81))
    good.check()


def test_no_local(clients, broker):
    """[MQTT-3.8.3-3]: with No Local set, messages this client publishes are not sent back to
    it; other publishers' messages are; without No Local its own messages come back."""
    topic = unique("nl/t")
    c = clients(broker, client_id=unique("nl"), version=V5)
    c.subscribe(topic, options=SubscribeOptions(qos=1, noLocal=True))
    c.publish(topic, b"own", qos=1)
    c.expect_none(0.5)
    other = clients(broker, version=V5)
    other.publish(topic, b"other", qos=1)
    assert c.expect().payload == b"other"
    topic2 = unique("nl/ctl")
    c.subscribe(topic2, options=SubscribeOptions(qos=1, noLocal=False))
    c.publish(topic2, b"own-back", qos=1)
    assert c.expect().payload == b"own-back"


def test_no_local_same_client_id_other_connection(clients, broker):
    """[MQTT-3.8.3-3] is about the Client Identifier: after the client reconnects (resumed
    session), its own publications are still not sent back."""
    topic, cid = unique("nlr/t"), unique("nlr")
    cp = Properties(PacketTypes.CONNECT)
    cp.SessionExpiryInterval = 60
    c = clients(broker, client_id=cid, version=V5, clean=False, properties=cp)
    c.subscribe(topic, options=SubscribeOptions(qos=1, noLocal=True))
    c.disconnect()
    c = clients(broker, client_id=cid, version=V5, clean=False, properties=cp)
    c.publish(topic, b"own", qos=1)
    c.expect_none(0.5)


# ---------------------------------------------------------------------------------------------
# CONNACK properties


CONNACK_PROPS = {SESSION_EXPIRY_INTERVAL, RECEIVE_MAXIMUM, MAXIMUM_QOS, RETAIN_AVAILABLE,
                 MAXIMUM_PACKET_SIZE, ASSIGNED_CLIENT_IDENTIFIER, TOPIC_ALIAS_MAXIMUM,
                 REASON_STRING, USER_PROPERTY, WILDCARD_SUBSCRIPTION_AVAILABLE,
                 SUBSCRIPTION_IDENTIFIER_AVAILABLE, SHARED_SUBSCRIPTION_AVAILABLE,
                 SERVER_KEEP_ALIVE, RESPONSE_INFORMATION, 0x1C, AUTHENTICATION_METHOD, 0x16}


def test_connack_properties_within_spec(broker, raw):
    """Section 3.2.2.3: only CONNACK properties appear, each at most once (User Property
    excepted); Receive Maximum > 0; Maximum QoS 0 or 1 if present (absent means 2); Retain /
    Wildcard / Subscription Identifier / Shared Subscription Available are 0 or 1; Maximum
    Packet Size > 0; [MQTT-3.2.2-16] an empty Client Identifier gets an Assigned Client
    Identifier; [MQTT-3.1.2-28] no Response Information unless requested."""
    r, flags, rc, props = raw_connect(raw, broker, client_id="", version=V5)
    assert rc == 0 and flags == 0
    ids = [k for k, _ in props]
    assert set(ids) <= CONNACK_PROPS, f"non-CONNACK properties {set(ids) - CONNACK_PROPS}"
    dup = [k for k in set(ids) if ids.count(k) > 1 and k != USER_PROPERTY]
    assert not dup, f"properties repeated: {dup}"
    if prop(props, RECEIVE_MAXIMUM) is not None:
        assert prop(props, RECEIVE_MAXIMUM) > 0
    if prop(props, MAXIMUM_QOS) is not None:
        assert prop(props, MAXIMUM_QOS) in (0, 1)
    for flag in (RETAIN_AVAILABLE, WILDCARD_SUBSCRIPTION_AVAILABLE,
                 SUBSCRIPTION_IDENTIFIER_AVAILABLE, SHARED_SUBSCRIPTION_AVAILABLE):
        if prop(props, flag) is not None:
            assert prop(props, flag) in (0, 1)
    if prop(props, MAXIMUM_PACKET_SIZE) is not None:
        assert prop(props, MAXIMUM_PACKET_SIZE) > 0
    assigned = prop(props, ASSIGNED_CLIENT_IDENTIFIER)
    assert assigned, "[MQTT-3.2.2-16] no Assigned Client Identifier"
    assert prop(props, RESPONSE_INFORMATION) is None


def test_connack_topic_alias_maximum_honoured(clients, broker, raw):
    """Section 3.2.2.3.8: the Topic Alias Maximum announced is usable: every alias 1..N (at
    most 20 tried) maps a topic."""
    r, tam = _alias_publisher(raw, broker)
    base = unique("tamx")
    sub = clients(broker, version=V5)
    sub.subscribe(base + "/#", 0)
    n = min(tam, 20)
    for a in range(1, n + 1):
        r.send(publish_packet(f"{base}/{a}", b"s", version=V5, props=[(TOPIC_ALIAS, a)]))
    for a in range(1, n + 1):
        r.send(publish_packet("", str(a).encode(), version=V5, props=[(TOPIC_ALIAS, a)]))
    got = sub.drain(0.6)
    assert [(m.topic, m.payload) for m in got[n:]] == \
        [(f"{base}/{a}", str(a).encode()) for a in range(1, n + 1)]


def test_connack_session_expiry_and_assigned_id_usable(clients, broker):
    """[MQTT-3.2.2-16]: the Assigned Client Identifier is the client's id from then on: a
    reconnect with it and Clean Start 0 resumes the session."""
    cp = Properties(PacketTypes.CONNECT)
    cp.SessionExpiryInterval = 60
    c = clients(broker, client_id="", version=V5, clean=False, properties=cp)
    assigned = c.connack_properties.AssignedClientIdentifier
    assert assigned
    topic = unique("acid/t")
    c.subscribe(topic, 1)
    c.disconnect()
    c = clients(broker, client_id=assigned, version=V5, clean=False, properties=cp)
    assert c.flags["session present"] == 1


# ---------------------------------------------------------------------------------------------
# Request Problem Information


def test_request_problem_information_zero(clients, broker, raw):
    """[MQTT-3.1.2-29]: with Request Problem Information 0 the server sends no Reason String and
    no User Property on any packet but PUBLISH, CONNACK and DISCONNECT: check PUBACK (maybe
    0x10 No matching subscribers), PUBREC/PUBCOMP, SUBACK with a failure, UNSUBACK 0x11 (No
    subscription existed) and the PUBCOMP for an unknown Packet Identifier."""
    r, _, rc, _ = raw_connect(raw, broker, version=V5, props=[(REQUEST_PROBLEM_INFORMATION, 0)])
    assert rc == 0
    nobody = unique("rpi/nobody")
    seen = []

    def expect(kind):
        first, body = r.recv_packet()
        assert first >> 4 == kind, f"expected packet type {kind}, got {first >> 4}"
        seen.append((first, body))
        return first, body

    r.send(publish_packet(nobody, b"x", qos=1, pid=1, version=V5))
    expect(4)                                                             # PUBACK
    r.send(publish_packet(nobody, b"x", qos=2, pid=2, version=V5))
    expect(5)                                                             # PUBREC
    r.send(ack_packet(0x62, 2, V5))
    expect(7)                                                             # PUBCOMP
    r.send(ack_packet(0x62, 999, V5))
    expect(7)                                                             # PUBCOMP 0x92
    r.send(unsubscribe_packet(3, [nobody], version=V5))
    expect(11)                                                            # UNSUBACK
    r.send(subscribe_packet(4, [(nobody, 1)], version=V5))
    expect(9)                                                             # SUBACK
    for first, body in seen:
        kind = first >> 4
        if kind in (9, 11):
            _, props, _ = parse_suback(body, V5)
        else:
            _, _, props = parse_ack(first, body, V5)
        assert prop(props, REASON_STRING) is None, f"Reason String on packet type {kind}"
        assert not prop_all(props, USER_PROPERTY), f"User Property on packet type {kind}"
    pid, reason, _ = parse_ack(seen[3][0], seen[3][1], V5)
    assert pid == 999 and reason in (0x00, 0x92)  # 0x92 Packet Identifier not found
