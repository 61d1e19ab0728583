"""NanoMQ's client presence events on $SYS (NanoMQ only; mosquitto has no such topics).

NanoMQ (NanoNNG `nng/mqtt/mqtt_client.h` / `mqtt_parser.c`, `nano_msg_notify_connect` and
`nano_msg_notify_disconnect`) publishes, QoS 0, not retained:

  $SYS/brokers/connected
    {"username":"u", "ts":<ms>,"proto_name":"MQTT","keepalive":60,"return_code":"0",
     "proto_ver":4,"client_id":"c","clean_start":1, "IPv4":"127.0.0.1"}
  $SYS/brokers/disconnected
    {"username":"u","ts":<ms>,"reason_code":"0","client_id":"c","IPv4":"127.0.0.1"}

return_code / reason_code are hex strings ("%x"); "IPv4" appears in recent NanoMQ versions
only, so it is checked when present. [MQTT-4.7.2-1]: a filter starting with a wildcard ("#",
"+/...") never matches a topic starting with "$", so "#" must not see these.
"""
import json
import time

import pytest

from util_part2 import unique

pytestmark = pytest.mark.nmq_only

CONNECTED = "$SYS/brokers/connected"
DISCONNECTED = "$SYS/brokers/disconnected"


def watcher(clients, broker, filt="$SYS/brokers/#", version=4):
    w = clients(broker, client_id=unique("watch"), version=version)
    w.subscribe(filt, 0)
    time.sleep(0.1)
    return w


def event_for(w, topic, client_id, timeout=3.0):
    """The first event on `topic` about `client_id` (others, e.g. the watcher's, are skipped)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = w.expect(timeout=max(0.01, deadline - time.time()))
        except Exception:
            break
        if m.topic != topic:
            continue
        body = json.loads(m.payload)
        if body.get("client_id") == client_id:
            return m, body
    raise AssertionError(f"no {topic} event for {client_id}")


def check_hex(s):
    assert isinstance(s, str)
    int(s, 16)


def check_ts(ts):
    assert isinstance(ts, int) and ts > 0
    if ts > 10**12:  # milliseconds since the epoch
        assert abs(ts / 1000 - time.time()) < 120


@pytest.mark.parametrize("version", [4, 5])
def test_connected_event(clients, broker, version):
    """A client connecting produces one $SYS/brokers/connected JSON message with its
    identity and CONNECT parameters."""
    w = watcher(clients, broker)
    cid = unique("ev")
    clients(broker, client_id=cid, version=version, username="alice", password="pw",
            keepalive=42)
    m, body = event_for(w, CONNECTED, cid)
    assert m.retain == 0
    assert body["username"] == "alice"
    assert body["proto_name"] == "MQTT"
    assert body["proto_ver"] == version
    assert body["keepalive"] == 42
    check_hex(body["return_code"])
    assert int(body["return_code"], 16) == 0
    assert body["clean_start"] in (1, True)
    check_ts(body["ts"])
    if "IPv4" in body:
        assert body["IPv4"] == "127.0.0.1"


def test_connected_event_clean_start_zero(clients, broker):
    w = watcher(clients, broker)
    cid = unique("ev0")
    clients(broker, client_id=cid, version=4, clean=False)
    _, body = event_for(w, CONNECTED, cid)
    assert body["clean_start"] in (0, False)


@pytest.mark.parametrize("how", ["disconnect", "drop"])
def test_disconnected_event(clients, broker, how):
    """A client leaving (DISCONNECT or a dropped connection) produces one
    $SYS/brokers/disconnected JSON message."""
    w = watcher(clients, broker)
    cid = unique("bye")
    c = clients(broker, client_id=cid, version=4, username="bob", password="pw")
    event_for(w, CONNECTED, cid)
    if how == "disconnect":
        c.disconnect()
    else:
        c.kill()
    m, body = event_for(w, DISCONNECTED, cid)
    assert body["username"] == "bob"
    check_hex(body["reason_code"])
    check_ts(body["ts"])
    if "IPv4" in body:
        assert body["IPv4"] == "127.0.0.1"


def test_events_are_valid_json_in_order(clients, broker):
    """Connected comes before disconnected for the same client, both valid JSON objects."""
    w = watcher(clients, broker, filt="$SYS/brokers/+")
    cid = unique("ord")
    c = clients(broker, client_id=cid, version=5)
    c.disconnect()
    seen = []
    deadline = time.time() + 3
    while time.time() < deadline and len(seen) < 2:
        try:
            m = w.expect(timeout=0.5)
        except Exception:
            continue
        body = json.loads(m.payload)
        assert isinstance(body, dict)
        if body.get("client_id") == cid:
            seen.append(m.topic)
    assert seen == [CONNECTED, DISCONNECTED]


def test_exact_topic_subscription(clients, broker):
    """Subscribing to the exact event topic works as well as the wildcard."""
    w = watcher(clients, broker, filt=CONNECTED)
    cid = unique("exact")
    clients(broker, client_id=cid, version=4)
    event_for(w, CONNECTED, cid)


@pytest.mark.parametrize("filt", ["#", "+/brokers/#", "+/+/connected"])
def test_wildcard_does_not_match_sys(clients, broker, filt):
    """[MQTT-4.7.2-1]: a Topic Filter starting with a wildcard does not match topics starting
    with '$', so '#' sees no $SYS events (while '$SYS/brokers/#' does)."""
    sys_w = watcher(clients, broker)
    hash_w = watcher(clients, broker, filt=filt)
    cid = unique("hidden")
    c = clients(broker, client_id=cid, version=4)
    c.disconnect()
    event_for(sys_w, DISCONNECTED, cid)
    for m in hash_w.drain(0.3):
        assert not m.topic.startswith("$"), f"{filt!r} received {m.topic}"
