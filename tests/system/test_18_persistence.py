"""Persistence on SQLite: what the broker acknowledged to a publisher, for a persistent session,
reaches that session after the broker is killed (SIGKILL) and started again; retained
messages and subscriptions come back; a damaged database is moved aside."""
import threading
import time

import paho.mqtt.client as mqtt
import pytest

from conftest import TIMEOUT, Client
from util_part1 import wait_for

pytestmark = pytest.mark.nmq_only


def sqlite_conf(tmp_path, durability="sync"):
    return f"""sqlite {{
    mounted_file_path = "{tmp_path}"
    durability = {durability}
    sync_interval = 50ms
}}
"""


def kill_and_restart(b):
    b.proc.kill()
    b.proc.wait()
    b.start()


def persistent_sub(b, clients, cid, topic, qos, version=4):
    if version == 5:
        from paho.mqtt.properties import Properties
        from paho.mqtt.packettypes import PacketTypes
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        c = clients(b, cid, version=5, clean=False, properties=props)
    else:
        c = clients(b, cid, clean=False)
    c.subscribe(topic, qos)
    return c


def collect(c, n, timeout=20.0):
    got = []
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        try:
            got.append(c.messages.get(timeout=0.5))
        except Exception:
            pass
    return got


@pytest.mark.parametrize("qos,durability", [(1, "sync"), (2, "sync"), (1, "interval")])
def test_acknowledged_messages_survive_sigkill(broker_factory, clients, tmp_path, qos, durability):
    b = broker_factory(extra_conf=sqlite_conf(tmp_path, durability))
    sub = persistent_sub(b, clients, "keeper", "p/#", qos)
    sub.disconnect()  # offline: everything is queued for it
    pub = clients(b, "pub")
    n = 300
    for i in range(n):
        pub.publish(f"p/{i % 3}", str(i).encode(), qos=qos)  # waits for PUBACK / PUBCOMP
    pub.disconnect()
    kill_and_restart(b)
    again = clients(b, "keeper", clean=False)
    assert again.flags["session present"] == 1
    got = collect(again, n)
    payloads = [int(m.payload) for m in got]
    print(f"\nkill-restart QoS {qos} {durability}: acknowledged {n}, received {len(payloads)} "
          f"({len(set(payloads))} distinct), lost {n - len(set(payloads))}")
    assert len(set(payloads)) == n, f"lost {n - len(set(payloads))} acknowledged messages"
    assert payloads == sorted(payloads), "order kept [MQTT-4.6.0-2]"
    if qos == 2:
        assert len(payloads) == n, "no duplicates at QoS 2"


def test_kill_in_the_middle_of_a_stream(broker_factory, clients, tmp_path):
    """SIGKILL while a publisher streams QoS 1 to an online persistent subscriber: every
    message the publisher saw acknowledged arrives, before or after the restart."""
    b = broker_factory(extra_conf=sqlite_conf(tmp_path))
    sub = persistent_sub(b, clients, "stream-sub", "s/#", 1)
    received = set()
    acked = set()
    lock = threading.Lock()
    sub.c.on_message = lambda c, u, m: received.add(int(m.payload))

    pub = mqtt.Client(client_id="stream-pub", protocol=mqtt.MQTTv311)
    pub.max_inflight_messages_set(20)
    mids = {}
    pub.on_publish = lambda c, u, mid: acked.add(mids[mid]) if mid in mids else None
    pub.connect(b.host, b.port)
    pub.loop_start()
    sub_online = True
    try:
        for i in range(100000):
            with lock:
                info = pub.publish("s/x", str(i).encode(), qos=1)
                mids[info.mid] = i
            if sub_online and len(acked) >= 200:
                # The subscriber drops off: from here on its messages wait in the store.
                sub.kill()
                sub_online = False
            if len(acked) >= 500:
                break
            time.sleep(0.0005)
        b.proc.kill()
        b.proc.wait()
    finally:
        pub.loop_stop()
    acked_before_kill = set(acked)
    assert len(acked_before_kill) >= 500
    b.start()
    again = clients(b, "stream-sub", clean=False)
    deadline = time.time() + 20
    after = set()
    while not acked_before_kill <= (received | after) and time.time() < deadline:
        try:
            after.add(int(again.messages.get(timeout=0.5).payload))
        except Exception:
            pass
    lost = acked_before_kill - received - after
    print(f"\nkill mid-stream: acknowledged {len(acked_before_kill)}, received before the kill "
          f"{len(received & acked_before_kill)}, after the restart {len(after)}, lost {len(lost)}")
    assert not lost, f"{len(lost)} acknowledged messages lost, e.g. {sorted(lost)[:5]}"


def test_retained_and_subscriptions_come_back(broker_factory, clients, tmp_path):
    b = broker_factory(extra_conf=sqlite_conf(tmp_path))
    sub = persistent_sub(b, clients, "subs-keeper", "news/+", 1, version=5)
    sub.disconnect()
    pub = clients(b, "retainer")
    pub.publish("r/1", b"kept", qos=1, retain=True)
    pub.publish("r/2", b"qos0 retained", qos=0, retain=True)
    pub.publish("r/3", b"gone", qos=1, retain=True)
    pub.publish("r/3", b"", qos=1, retain=True)  # cleared
    pub.disconnect()
    kill_and_restart(b)
    fresh = clients(b, "late")
    fresh.subscribe("r/#", 1)
    got = {m.topic: m.payload for m in collect(fresh, 2, timeout=5)}
    assert got == {"r/1": b"kept", "r/2": b"qos0 retained"}
    fresh.expect_none(0.5)
    # The persistent session's subscription routes new messages while it is offline.
    p2 = clients(b, "after-restart")
    p2.publish("news/today", b"fresh", qos=1)
    from paho.mqtt.properties import Properties
    from paho.mqtt.packettypes import PacketTypes
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    back = clients(b, "subs-keeper", version=5, clean=False, properties=props)
    assert back.flags["session present"] == 1
    assert back.expect().payload == b"fresh"


def test_clean_session_leaves_nothing_behind(broker_factory, clients, tmp_path):
    b = broker_factory(extra_conf=sqlite_conf(tmp_path))
    sub = persistent_sub(b, clients, "short-lived", "c/#", 1)
    sub.disconnect()
    clean = clients(b, "short-lived", clean=True)  # discards the session [MQTT-3.1.2-6]
    clean.disconnect()
    clients(b, "pub-c").publish("c/1", b"x", qos=1)
    kill_and_restart(b)
    again = clients(b, "short-lived", clean=False)
    assert again.flags["session present"] == 0
    again.expect_none(0.5)


def test_damaged_database_is_moved_aside(broker_factory, clients, tmp_path):
    (tmp_path / "nanomq.db").write_bytes(b"this is not a database" * 500)
    b = broker_factory(extra_conf=sqlite_conf(tmp_path))
    assert wait_for(lambda: "moved aside" in b.log_text())
    assert list(tmp_path.glob("nanomq.db.corrupt-*"))
    c = clients(b, "works")
    c.subscribe("t", 1)
    c.publish("t", b"ok", qos=1)
    assert c.expect().payload == b"ok"


# ----------------------------------------------------------------------------------------------
# bridge queues (issue 7): what a bridge accepted for its remote survives our own restart

from test_14_bridge import Watcher, bridge_conf, remotes, wait_log  # noqa: E402,F401


def test_bridge_queue_survives_sigkill_while_the_remote_is_down(broker_factory, clients, remotes,
                                                                tmp_path):
    """QoS 1 messages a bridge accepted while its remote was down, each PUBACKed to the local
    publisher (so stored [MQTT-4.3.2-1]), are not lost when the broker is SIGKILLed: after a
    restart with the same configuration they reach the remote, all of them and in order
    [MQTT-4.6.0-2], ahead of what is published after the restart."""
    # The remote keeps a session for the watcher, so that it sees everything the bridge sends
    # once it is up again, however fast that is.
    remote = remotes(persistence=True)
    far = Watcher(remote.host, remote.port, ["cloud/#"], qos=1, client_id="far-watcher",
                  clean=False)
    far.close()
    remote.stop()  # down from here on; its port stays reserved in its config

    conf = sqlite_conf(tmp_path) + bridge_conf("cloud", remote, forwards=[("up/#", "cloud/#")])
    b = broker_factory(extra_conf=conf)
    pub = clients(b, "bridge-pub")
    n = 40
    for i in range(n):
        pub.publish("up/x", str(i).encode(), qos=1)  # waits for PUBACK
    pub.disconnect()
    kill_and_restart(b)
    wait_log(b, f"bridge 'cloud': {n} stored message(s) queued again")
    after = clients(b, "bridge-pub-2")
    for i in range(n, n + 5):
        after.publish("up/x", str(i).encode(), qos=1)

    remote.start()
    far = Watcher(remote.host, remote.port, ["cloud/#"], qos=1, client_id="far-watcher",
                  clean=False)
    try:
        got = far.wait_for(n + 5, timeout=20)
        payloads = [int(m.payload) for m in far.quiet(0.5)]
        assert payloads == list(range(n + 5)), \
            f"{len(got)} of {n + 5} arrived: {payloads[:10]}..."
        assert {m.topic for m in got} == {"cloud/x"}
        wait_log(b, f"backlog of {n + 5} message(s) delivered")
    finally:
        far.close()
    # Acknowledged by the remote: released, so another restart sends nothing again.
    kill_and_restart(b)
    again = Watcher(remote.host, remote.port, ["cloud/#"], qos=1, client_id="far-watcher",
                    clean=False)
    try:
        wait_log(b, "bridge 'cloud': connected to", count=2)  # once per run with the remote up
        assert again.quiet(1.0) == [], "acknowledged messages sent again after a restart"
    finally:
        again.close()


def test_bridge_changed_live_keeps_its_stored_queue_consistent(broker_factory, clients,
                                                               remotes, tmp_path):
    """A bridge restarted with new settings (SIGHUP) while it owes stored messages hands them
    to its successor, which stores them under its own numbers: all arrive once, in order, and
    a SIGKILL and restart afterwards sends none of them again (no stale rows left behind)."""
    import signal
    remote = remotes()
    dead = remotes()
    dead.stop()  # the first server: down
    b = broker_factory(extra_conf=sqlite_conf(tmp_path) + bridge_conf(
        "cloud", dead, forwards=[("up/#", "cloud/#")]))
    pub = clients(b, "live-pub")
    for i in range(25):
        pub.publish("up/x", str(i).encode(), qos=1)
    far = Watcher(remote.host, remote.port, ["cloud/#", "moved/#"], qos=1)
    b.extra_conf = sqlite_conf(tmp_path) + bridge_conf("cloud", remote,
                                                       forwards=[("up/#", "moved/#")])
    b.conf_path.write_text(b.config_text())
    b.proc.send_signal(signal.SIGHUP)
    wait_log(b, "bridge 'cloud': 25 of 25 message(s) owed by its previous settings carried over")
    try:
        got = far.wait_for(25, timeout=20)
        assert [(m.topic, int(m.payload)) for m in got] == [("moved/x", i) for i in range(25)]
        wait_log(b, "backlog of 25 message(s) delivered")
        kill_and_restart(b)
        wait_log(b, "bridge 'cloud': connected to", count=2)
        assert far.quiet(1.0)[25:] == [], "delivered messages sent again after a restart"
        assert "stored message(s) queued again" not in b.log_text()
    finally:
        far.close()


def test_bridge_removed_by_reload_keeps_its_stored_queue_for_when_it_returns(
        broker_factory, clients, remotes, tmp_path):
    """A bridge removed by SIGHUP stops, but with persistence on what it owed stays stored:
    put back, it delivers every one of them."""
    import signal
    remote = remotes()
    remote.stop()  # down: the bridge queues
    bridge = bridge_conf("cloud", remote, forwards=[("up/#", "")])
    b = broker_factory(extra_conf=sqlite_conf(tmp_path) + bridge)
    pub = clients(b, "rm-pub")
    for i in range(20):
        pub.publish("up/x", str(i).encode(), qos=1)

    def reload(extra):
        b.extra_conf = sqlite_conf(tmp_path) + extra
        b.conf_path.write_text(b.config_text())
        b.proc.send_signal(signal.SIGHUP)

    reload("")
    wait_log(b, "bridge 'cloud': stopped; 20 message(s) still queued")
    remote.start()
    far = Watcher(remote.host, remote.port, ["up/#"], qos=1)
    try:
        reload(bridge)
        wait_log(b, "bridge 'cloud': 20 stored message(s) queued again")
        got = far.wait_for(20, timeout=20)
        assert [int(m.payload) for m in got] == list(range(20))
    finally:
        far.close()


def test_bridge_queue_message_whose_forward_is_gone_is_dropped_and_logged(
        broker_factory, clients, remotes, tmp_path):
    """On restart the remote topic of a stored message is computed from the bridge's current
    forwards: a message no forward maps any more is dropped, with a log line."""
    remote = remotes()
    remote.stop()
    conf = sqlite_conf(tmp_path) + bridge_conf(
        "cloud", remote, forwards=[("a/#", "ra/#"), ("b/#", "rb/#")])
    b = broker_factory(extra_conf=conf)
    pub = clients(b, "p")
    for t in ("a/1", "b/1", "a/2"):
        pub.publish(t, t.encode(), qos=1)
    pub.disconnect()
    b.proc.kill()
    b.proc.wait()
    b.extra_conf = sqlite_conf(tmp_path) + bridge_conf(
        "cloud", remote, forwards=[("a/#", "moved/#")])
    b.start()
    wait_log(b, "bridge 'cloud': 1 stored message(s) (the first on 'b/1') match no forward")
    wait_log(b, "bridge 'cloud': 2 stored message(s) queued again")
    remote.start()
    w = Watcher(remote.host, remote.port, ["#"], qos=1)
    try:
        got = w.wait_for(2, timeout=10)
        # The remote topic follows the new forward; the order is kept.
        assert [(m.topic, m.payload) for m in w.quiet(0.5)] == [
            ("moved/1", b"a/1"), ("moved/2", b"a/2")], got
    finally:
        w.close()


# ----------------------------------------------------------------------------------------------
# delayed wills (issue 7): a pending Will Delay Interval survives our own restart

def _v5_props(kind, **values):
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
    p = Properties(getattr(PacketTypes, kind))
    for k, v in values.items():
        setattr(p, k, v)
    return p


def _will_client(b, clients, cid, delay, clean=True, will=True):
    kwargs = {}
    if will:
        kwargs["will"] = dict(topic=f"wills/{cid}", payload=b"gone: " + cid.encode(), qos=1,
                              properties=_v5_props("WILLMESSAGE", WillDelayInterval=delay))
    return clients(b, cid, version=5, clean=clean,
                   properties=_v5_props("CONNECT", SessionExpiryInterval=300), **kwargs)


def _will_watcher(b, clients):
    """A persistent 5.0 subscriber to the will topics: wills published while it is away (or
    while the broker restarts) wait for it."""
    return clients(b, "will-watcher", version=5, clean=False,
                   properties=_v5_props("CONNECT", SessionExpiryInterval=3600))


def _drop_and_kill(b, clients, client, watcher):
    """Drops `client`'s connection without DISCONNECT, waits until the broker has seen it
    (its $SYS disconnected event) and written the pending will, then SIGKILLs the broker.
    Returns the time of the drop."""
    monitor = clients(b, "sys-monitor")
    monitor.subscribe("$SYS/brokers/disconnected", 0)
    t0 = time.time()
    client.kill()
    deadline = time.time() + TIMEOUT
    seen = False
    while not seen and time.time() < deadline:
        try:
            seen = client.c._client_id.decode() in monitor.expect(0.5).payload.decode()
        except Exception:
            pass
    assert seen, "the broker did not notice the dropped connection"
    watcher.kill()
    time.sleep(0.2)  # the will's row reaches the database (durability = sync)
    b.proc.kill()
    b.proc.wait()
    return t0


def test_pending_delayed_will_survives_sigkill_and_fires_on_time(broker_factory, clients,
                                                                 tmp_path):
    """[MQTT-3.1.3-9] a will with a Will Delay Interval is published when the delay has passed
    (or the session ends, whichever is first) unless the client reconnects: a broker killed
    and started again meanwhile still publishes it, not earlier than the delay."""
    b = broker_factory(extra_conf=sqlite_conf(tmp_path))
    w = _will_watcher(b, clients)
    w.subscribe("wills/#", 1)
    c = _will_client(b, clients, "will-client", delay=3)
    t0 = _drop_and_kill(b, clients, c, w)
    b.start()
    w = _will_watcher(b, clients)
    assert w.flags["session present"] == 1
    m = w.expect(timeout=10)
    elapsed = time.time() - t0
    assert (m.topic, m.payload) == ("wills/will-client", b"gone: will-client")
    assert elapsed >= 2.8, f"the will came {elapsed:.2f}s after the drop, before its delay"
    assert elapsed <= 6.0, f"the will came {elapsed:.2f}s after the drop"
    w.expect_none(1.0)  # once


def test_reconnect_after_restart_cancels_the_pending_will(broker_factory, clients, tmp_path):
    """[MQTT-3.1.3-9] a client that reconnects before the Will Delay Interval has passed gets no
    will published, also when the broker restarted meanwhile; and the cancelled will does not
    come back with a later restart."""
    b = broker_factory(extra_conf=sqlite_conf(tmp_path))
    w = _will_watcher(b, clients)
    w.subscribe("wills/#", 1)
    c = _will_client(b, clients, "will-client", delay=3)
    t0 = _drop_and_kill(b, clients, c, w)
    b.start()
    back = _will_client(b, clients, "will-client", delay=3, clean=False, will=False)
    assert time.time() - t0 < 2.5, "the restart took too long to reconnect in time"
    assert back.flags["session present"] == 1
    w = _will_watcher(b, clients)
    time.sleep(max(0.0, t0 + 5.0 - time.time()))  # well past the delay
    w.expect_none(0.5)
    # The cancelled will is gone from the database: a later restart (its due time long past)
    # would publish a stale one at once.
    back.kill()
    w.kill()
    time.sleep(0.3)
    kill_and_restart(b)
    w = _will_watcher(b, clients)
    w.expect_none(1.5)
