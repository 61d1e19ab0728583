"""Area 05: Will messages.

Checked against the OASIS MQTT 3.1.1 and 5.0 specifications (requirement ids quoted in each
test: 3.1.1 numbering unless marked 5.0). Where the specification lets a server choose, the test
accepts every conforming choice.
"""
import time

import pytest

from conftest import TARGET
from util_part1 import (
    P_SESSION_EXPIRY, P_WILL_DELAY,
    collect, disconnect, drop, handshake, recv_until_close, will_props,
)



def watcher(broker, clients, topic="will/#", qos=2, version=4, client_id="will-watch"):
    c = clients(broker, client_id=client_id, version=version)
    c.subscribe(topic, qos)
    return c


# ------------------------------------------------------------------------- when it is sent

@pytest.mark.parametrize("version", [3, 4, 5])
def test_will_on_socket_drop(broker, clients, version):
    """[MQTT-3.1.2-8] the Will Message is published when the network connection closes without
    a DISCONNECT."""
    w = watcher(broker, clients)
    c = clients(broker, client_id=f"dropper{version}", version=version,
                will=dict(topic="will/drop", payload=b"gone", qos=1))
    drop(c)
    m = w.expect()
    assert (m.topic, m.payload, m.qos, m.retain) == ("will/drop", b"gone", 1, 0)
    w.expect_none(0.3)


@pytest.mark.parametrize("version", [3, 4, 5])
def test_no_will_on_disconnect(broker, clients, version):
    """[MQTT-3.1.2-10] [MQTT-3.14.4-3] on DISCONNECT (5.0: reason 0x00) the server discards the
    Will Message without publishing it."""
    w = watcher(broker, clients)
    c = clients(broker, client_id=f"polite{version}", version=version,
                will=dict(topic="will/polite", payload=b"never", qos=1))
    c.disconnect()
    w.expect_none(0.8)


def test_no_will_on_raw_disconnect_then_close(broker, raw, clients):
    """[MQTT-3.14.4-3] DISCONNECT, then the client closes the socket: still no Will."""
    w = watcher(broker, clients)
    r = raw(broker)
    handshake(r, "rawpolite", will=dict(topic="will/rawpolite", payload=b"never"))
    r.send(disconnect())
    r.close()
    w.expect_none(0.8)


def test_will_on_keepalive_timeout(broker, raw, clients):
    """[MQTT-3.1.2-8] 3.1.2.5: the Will is published when the client fails to communicate within
    the Keep Alive time and the server closes the connection."""
    w = watcher(broker, clients)
    r = raw(broker)
    handshake(r, "silent", keepalive=1, will=dict(topic="will/silent", payload=b"timeout", qos=1))
    m = w.expect(timeout=8.0 if TARGET == "mosquitto" else 4.0)
    assert (m.topic, m.payload) == ("will/silent", b"timeout")


def test_will_on_protocol_error(broker, raw, clients):
    """3.1.2.5: "The Server closes the Network Connection because of a protocol error" is one of
    the situations in which the Will is published."""
    w = watcher(broker, clients)
    r = raw(broker)
    handshake(r, "violator", will=dict(topic="will/violator", payload=b"bad", qos=1))
    r.send(b"\x82\x02\x00\x01")  # SUBSCRIBE without any topic filter [MQTT-3.8.3-3]
    recv_until_close(r)
    m = w.expect()
    assert (m.topic, m.payload) == ("will/violator", b"bad")


def test_will_on_takeover_v311(broker, raw, clients):
    """[MQTT-3.1.2-8] the existing connection is closed by a takeover [MQTT-3.1.4-2] without a
    DISCONNECT from its client: its Will is published."""
    w = watcher(broker, clients)
    r = raw(broker)
    handshake(r, "taken", will=dict(topic="will/taken", payload=b"taken over", qos=1))
    r2 = raw(broker)
    assert handshake(r2, "taken")[1] == 0
    m = w.expect()
    assert (m.topic, m.payload) == ("will/taken", b"taken over")


def test_will_sent_once(broker, clients):
    """[MQTT-3.1.2-10] the Will is removed once published: exactly one copy."""
    w = watcher(broker, clients)
    c = clients(broker, client_id="once", will=dict(topic="will/once", payload=b"1", qos=2))
    drop(c)
    assert w.expect().payload == b"1"
    w.expect_none(0.8)


# ------------------------------------------------------------------------- QoS and retain

@pytest.mark.parametrize("will_qos", [0, 1, 2])
def test_will_qos(broker, clients, will_qos):
    """[MQTT-3.1.2-14] the Will QoS is used for publishing it; delivery is at the minimum of it
    and the subscription's QoS."""
    subs = [watcher(broker, clients, qos=q, client_id=f"wq{q}") for q in range(3)]
    c = clients(broker, client_id="qoswill", will=dict(topic="will/q", payload=b"q", qos=will_qos))
    drop(c)
    for q, got in zip(range(3), collect(subs, 3)):
        assert [(m.payload, m.qos) for m in got] == [(b"q", min(q, will_qos))]


def test_will_retain(broker, clients):
    """[MQTT-3.1.2-17] Will Retain 1: the Will is published as a retained message: later
    subscribers get it with RETAIN=1; current subscribers get RETAIN=0 [MQTT-3.3.1-9]."""
    w = watcher(broker, clients)
    c = clients(broker, client_id="retwill",
                will=dict(topic="will/retained", payload=b"last words", qos=1, retain=True))
    drop(c)
    m = w.expect()
    assert (m.payload, m.retain) == (b"last words", 0)
    later = clients(broker, client_id="retwill-later")
    later.subscribe("will/retained", 1)
    m = later.expect()
    assert (m.payload, m.retain) == (b"last words", 1)


def test_will_not_retained(broker, clients):
    """[MQTT-3.1.2-16] Will Retain 0: the Will is published as a non-retained message."""
    w = watcher(broker, clients)
    c = clients(broker, client_id="nretwill", will=dict(topic="will/nr", payload=b"x", qos=1))
    drop(c)
    w.expect()
    later = clients(broker, client_id="nretwill-later")
    later.subscribe("will/nr", 1)
    later.expect_none(0.5)


# ------------------------------------------------------------------------- MQTT 5.0

def test_v5_disconnect_with_will_message(broker, raw, clients):
    """5.0 3.14.2.1: DISCONNECT reason 0x04 (Disconnect with Will Message): the client wants the
    Will published [MQTT-3.14.4-3 exception]."""
    w = watcher(broker, clients)
    r = raw(broker)
    handshake(r, "willdisc", version=5, will=dict(topic="will/04", payload=b"please", qos=1))
    r.send(disconnect(5, reason=0x04))
    m = w.expect()
    assert (m.topic, m.payload) == ("will/04", b"please")


def test_v5_disconnect_normal_no_will(broker, raw, clients):
    """5.0 [MQTT-3.14.4-3] DISCONNECT reason 0x00: the Will is discarded."""
    w = watcher(broker, clients)
    r = raw(broker)
    handshake(r, "willnorm", version=5, will=dict(topic="will/00", payload=b"no", qos=1))
    r.send(disconnect(5, reason=0x00))
    w.expect_none(0.8)


def test_v5_will_delay(broker, raw, clients):
    """5.0 3.1.3.2.2 Will Delay Interval: the server delays publishing the Will until the delay
    has passed (the session lives longer than that here)."""
    w = watcher(broker, clients, version=5)
    r = raw(broker)
    handshake(r, "delayed", version=5, props=[(P_SESSION_EXPIRY, 60)],
              will=dict(topic="will/delayed", payload=b"late", qos=1, props=[(P_WILL_DELAY, 2)]))
    start = time.time()
    r.close()
    m = w.expect(timeout=6.0)
    elapsed = time.time() - start
    assert m.payload == b"late"
    assert elapsed >= 1.8, f"Will published after {elapsed:.2f}s, before its 2 s delay"


def test_v5_will_delay_cancelled_by_reconnect(broker, raw, clients):
    """5.0 [MQTT-3.1.3-9] a new connection to the session before the Will Delay Interval has
    passed: the server MUST NOT send the Will."""
    w = watcher(broker, clients, version=5)
    r = raw(broker)
    handshake(r, "comeback", version=5, props=[(P_SESSION_EXPIRY, 60)],
              will=dict(topic="will/comeback", payload=b"never", qos=1, props=[(P_WILL_DELAY, 2)]))
    r.close()
    time.sleep(0.5)
    r2 = raw(broker)
    assert handshake(r2, "comeback", version=5, clean=False,
                     props=[(P_SESSION_EXPIRY, 60)])[:2] == (True, 0)
    w.expect_none(3.0)


def test_v5_will_delay_longer_than_session(broker, raw, clients):
    """5.0 3.1.3.2.2: the Will is published when the delay passes *or the session ends*,
    whichever is first: Session Expiry 1 s, Will Delay 30 s -> published after about 1 s."""
    w = watcher(broker, clients, version=5)
    r = raw(broker)
    handshake(r, "shortsession", version=5, props=[(P_SESSION_EXPIRY, 1)],
              will=dict(topic="will/short", payload=b"session over", qos=1, props=[(P_WILL_DELAY, 30)]))
    r.close()
    m = w.expect(timeout=6.0)
    assert m.payload == b"session over"


@pytest.mark.nmq_only
def test_v5_will_delay_with_session_expiry_zero(broker, raw, clients):
    """5.0 [MQTT-3.1.2-8] and 3.1.3.2.2: Session Expiry 0 ends the session with the connection
    (3.1.2.11.2), so a delayed Will is published at once ("until the Will Delay Interval has
    passed or the Session ends, whichever happens first"). mosquitto 2.0.11 waits for the full
    delay, hence nmq_only."""
    w = watcher(broker, clients, version=5)
    r = raw(broker)
    handshake(r, "nosession", version=5,
              will=dict(topic="will/nosession", payload=b"now", qos=1, props=[(P_WILL_DELAY, 30)]))
    r.close()
    assert w.expect(timeout=2.5).payload == b"now"


def test_v5_will_properties_forwarded(broker, clients):
    """5.0 3.1.3.2: the Will's Payload Format Indicator, Content Type, Response Topic,
    Correlation Data and User Properties are sent with it; user properties in order
    [MQTT-3.1.3-10]."""
    w = clients(broker, client_id="wp-watch", version=5)
    w.subscribe("will/props", 1)
    wp = will_props(PayloadFormatIndicator=1, ContentType="application/json",
                    ResponseTopic="will/response", CorrelationData=b"\x01\x02corr",
                    UserProperty=[("a", "1"), ("b", "2"), ("a", "3")])
    c = clients(broker, client_id="wp-client", version=5,
                will=dict(topic="will/props", payload=b'{"x":1}', qos=1, properties=wp))
    drop(c)
    m = w.expect()
    assert m.payload == b'{"x":1}'
    p = m.properties
    assert p.PayloadFormatIndicator == 1
    assert p.ContentType == "application/json"
    assert p.ResponseTopic == "will/response"
    assert p.CorrelationData == b"\x01\x02corr"
    assert p.UserProperty == [("a", "1"), ("b", "2"), ("a", "3")]


@pytest.mark.parametrize("clean", [True, pytest.param(False, marks=pytest.mark.nmq_only)])
def test_v5_will_on_takeover(broker, raw, clients, clean):
    """5.0 3.1.4 step 3 and the note in 3.1.3.2.2: on takeover the existing connection's Will is
    published unless the new connection has Clean Start 0 *and* the Will Delay is > 0; here the
    delay is 0, so it is published for either Clean Start. (mosquitto 2.0.11 drops it when the
    new connection resumes the session; [MQTT-3.1.2-8]'s "a new Network Connection for the
    ClientID is opened before the Will Delay Interval has elapsed" can be read that way, but the
    non-normative comment in 3.1.3.2.2 says it is sent, so that case is nmq_only.)"""
    w = watcher(broker, clients, version=5)
    old = raw(broker)
    handshake(old, "tk5", version=5, props=[(P_SESSION_EXPIRY, 60)],
              will=dict(topic="will/tk5", payload=b"tk", qos=1))
    new = raw(broker)
    assert handshake(new, "tk5", version=5, clean=clean, props=[(P_SESSION_EXPIRY, 60)])[1] == 0
    m = w.expect()
    assert (m.topic, m.payload) == ("will/tk5", b"tk")
    w.expect_none(0.3)


def test_v5_delayed_will_on_takeover_with_resume_not_sent(broker, raw, clients):
    """5.0 [MQTT-3.1.3-9]: takeover with Clean Start 0 resumes the session before a non-zero
    Will Delay passed: the Will is not sent."""
    w = watcher(broker, clients, version=5)
    old = raw(broker)
    handshake(old, "tk5d", version=5, props=[(P_SESSION_EXPIRY, 60)],
              will=dict(topic="will/tk5d", payload=b"no", qos=1, props=[(P_WILL_DELAY, 1)]))
    new = raw(broker)
    assert handshake(new, "tk5d", version=5, clean=False, props=[(P_SESSION_EXPIRY, 60)])[:2] == (True, 0)
    w.expect_none(2.0)
