"""HTTP API V1, requests 10, 11 and 12 (/work/shared/spec/http-api-v1.md): stop and restart in
place, the configuration as req 11 shows it, and req 12's changes: validated in full, persisted
in the overrides file beside the configuration file (never rewriting the user's file), applied
live where they can be, surviving restart, reload and SIGHUP. NanoMQ-only: mosquitto has no
HTTP API."""
import json
import os
import signal
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import NMQ_BIN, TIMEOUT, free_port, wait_port
from http_util import (AUTH, api, bearer, check_json, post, rsa_keys, token, url, wait_for)

pytestmark = [
    pytest.mark.nmq_only,
    pytest.mark.filterwarnings("ignore:ssl.PROTOCOL_TLS is deprecated:DeprecationWarning"),
]


def overrides(b):
    return Path(str(b.conf_path) + ".api-overrides.conf")


def set_config(b, data, seq=5, auth=AUTH):
    return post(b, {"req": 12, "seq": seq, "data": data}, auth=auth)


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def wait_until(fn, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn():
            return True
        time.sleep(0.05)
    return False


def connack_rc(b, client_id, username=None, password=None, version=4):
    """The CONNACK return code a 3.1.1 (or 5.0) client gets."""
    import paho.mqtt.client as mqtt
    proto = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
    c = mqtt.Client(client_id=client_id, protocol=proto)
    got = []
    c.on_connect = lambda c_, u, f, rc, p=None: got.append(rc)
    if username is not None:
        c.username_pw_set(username, password)
    c.connect(b.host, b.port, keepalive=30)
    c.loop_start()
    try:
        assert wait_until(lambda: got, TIMEOUT), "no CONNACK"
        return got[0]
    finally:
        c.disconnect()
        c.loop_stop()


def req11_text(b, seq=9999):
    r = post(b, {"req": 11, "seq": seq})
    check_json(r, 200, 0)
    return r.text


# --- req 11 --------------------------------------------------------------------------------------

def test_req11_exact_shape_and_order(broker_factory):
    b = broker_factory(mqtt_conf="max_mqueue_len = 64\n    retry_interval = 15s\n"
                                 "    property_size = 48")
    expected = (
        '{"code":0,"seq":9999,"rep":11,"data":{'
        f'"url":"nmq-tcp://127.0.0.1:{b.port}","num_taskq_thread":2,"max_taskq_thread":0,'
        '"parallel":0,"property_size":48,"msq_len":64,"qos_duration":15,"allow_anonymous":true,'
        '"daemon":false,'
        '"tls":{"enable":false,"url":null,"key_password":null,"key":null,"cert":null,'
        '"cacert":null,"verify_peer":false,"fail_if_no_peer_cert":false},'
        '"websocket":{"enable":false,"url":null,"tls_url":null},'
        f'"http_server":{{"enable":true,"port":{b.http_port},"username":"admin",'
        '"password":"******","auth_type":"basic"},'
        '"bridge":{"bridge_mode":false,"address":null,"proto_ver":null,"clientid":null,'
        '"clean_start":null,"username":null,"password":null,"keepalive":null,"parallel":null,'
        '"forwards":[],"subscription":[]}}}')
    assert req11_text(b) == expected


def test_req11_as_the_document_sends_it(broker):
    # The document's example: GET with a JSON body and an explicit Basic header.
    r = requests.get(url(broker), timeout=10, data='{\n    "req": 11,\n    "seq": 9999\n}',
                     headers={"Authorization": "Basic YWRtaW46cHVibGlj",
                              "Content-Type": "application/json"})
    j = check_json(r, 200, 0)
    assert j["seq"] == 9999 and j["rep"] == 11
    assert list(j["data"]) == ["url", "num_taskq_thread", "max_taskq_thread", "parallel",
                               "property_size", "msq_len", "qos_duration", "allow_anonymous",
                               "daemon", "tls", "websocket", "http_server", "bridge"]
    assert list(j["data"]["bridge"]) == ["bridge_mode", "address", "proto_ver", "clientid",
                                         "clean_start", "username", "password", "keepalive",
                                         "parallel", "forwards", "subscription"]


# --- req 12: validation ---------------------------------------------------------------------------

def test_req12_envelope_errors(broker):
    j = check_json(post(broker, {"req": 12, "seq": 3}), 400, 107)
    assert j["seq"] == 3 and j["rep"] == 12 and "data" in j["message"]
    for bad in ([], "x", 1, None):
        j = check_json(post(broker, {"req": 12, "seq": 4, "data": bad}), 400, 108)
        assert j["seq"] == 4 and j["rep"] == 12


@pytest.mark.parametrize("data,field", [
    ({"bogus": 1}, "bogus"),
    ({"http_server": {"bogus": 1}}, "http_server.bogus"),
    ({"tls": {"bogus": 1}}, "tls.bogus"),
    ({"websocket": {"bogus": 1}}, "websocket.bogus"),
    ({"bridge": {"bogus": 1}}, "bridge.bogus"),
    ({"Msq_len": 10}, "Msq_len"),                       # keys are case-sensitive
    ({"msq_len": "64"}, "msq_len"),                     # a string is not an integer
    ({"msq_len": 64.0}, "msq_len"),
    ({"msq_len": 1e2}, "msq_len"),
    ({"msq_len": 0}, "msq_len"),                        # the key table's range: 1 ..
    ({"msq_len": -1}, "msq_len"),
    ({"msq_len": 2**64}, "msq_len"),
    ({"msq_len": None}, "msq_len"),
    ({"num_taskq_thread": 256}, "num_taskq_thread"),    # 0 .. 255
    ({"qos_duration": 0}, "qos_duration"),
    ({"property_size": 0}, "property_size"),
    ({"allow_anonymous": "yes"}, "allow_anonymous"),    # JSON booleans only
    ({"allow_anonymous": 1}, "allow_anonymous"),
    ({"daemon": None}, "daemon"),
    ({"url": "nmq-ws://0.0.0.0:8083/mqtt"}, "url"),
    ({"url": "nmq-tcp://0.0.0.0"}, "url"),
    ({"url": "nmq-tcp://0.0.0.0:99999"}, "url"),
    ({"url": 1883}, "url"),
    ({"url": None}, "url"),
    ({"http_server": "on"}, "http_server"),
    ({"http_server": {"port": 70000}}, "http_server.port"),
    ({"http_server": {"port": "8081"}}, "http_server.port"),
    ({"http_server": {"enable": "true"}}, "http_server.enable"),
    ({"http_server": {"username": ""}}, "http_server.username"),
    ({"http_server": {"password": ""}}, "http_server.password"),
    ({"http_server": {"password": None}}, "http_server.password"),
    ({"http_server": {"auth_type": "digest"}}, "http_server.auth_type"),
    ({"http_server": {"auth_type": "no_auth"}}, "http_server.auth_type"),
    ({"http_server": {"auth_type": "jwt"}}, "http_server.auth_type"),  # no key configured
    ({"tls": {"enable": True}}, "tls.key"),             # a TLS listener needs a key and cert
    ({"tls": {"enable": True, "keypass": "secret"}}, "tls.key"),
    ({"tls": {"verify_peer": "no"}}, "tls.verify_peer"),
    ({"tls": {"url": "nmq-tcp://0.0.0.0:8883"}}, "tls.url"),
    ({"tls": []}, "tls"),
    ({"websocket": {"url": "http://0.0.0.0:8083/mqtt"}}, "websocket.url"),
    ({"websocket": {"url": "nmq-ws://0.0.0.0:8083/a b"}}, "websocket.url"),
    ({"websocket": {"enable": 1}}, "websocket.enable"),
    # No bridge configured: req 12 adds one, which needs an address to be enabled.
    ({"bridge": {"bridge_mode": True}}, "bridge.address"),
    ({"bridge": {"forwards": ["a/#/b"]}}, "bridge.forwards"),
    ({"bridge": {"forwards": "a/#"}}, "bridge.forwards"),
    ({"bridge": {"subscription": [{"topic": "a/b#", "qos": 1}]}}, "bridge.subscription"),
    ({"bridge": {"subscription": [{"topic": "a", "qos": 3}]}}, "bridge.subscription"),
    ({"bridge": {"subscription": [{"topic": "a", "qos": 1, "x": 1}]}}, "bridge.subscription"),
])
def test_req12_invalid_field(broker, data, field):
    before = req11_text(broker)
    # A valid change beside the bad one: nothing is half-applied.
    body = {"msq_len": 77, **data} if "msq_len" not in data else {"allow_anonymous": False, **data}
    r = set_config(broker, body, seq=8)
    j = check_json(r, 400, 108)
    assert j["seq"] == 8 and j["rep"] == 12
    assert j["message"].startswith(field + ":"), j["message"]
    assert r.text == '{"code":108,"seq":8,"rep":12,"message":%s}' % json.dumps(j["message"])
    assert req11_text(broker) == before
    assert not overrides(broker).exists()
    assert connack_rc(broker, "anon") == 0  # allow_anonymous still true


def test_req12_round_trip_of_req11_changes_nothing(broker):
    before = req11_text(broker)
    data = json.loads(before)["data"]
    r = set_config(broker, data, seq=111)
    assert r.status_code == 200 and r.text == '{"code":0,"seq":111,"rep":12}'
    assert req11_text(broker) == before
    assert not overrides(broker).exists()  # nothing changed, nothing written
    # The key=value name of the TLS key password is accepted too (spec: alias).
    check_json(set_config(broker, {"tls": {"keypass": None}}), 200, 0)
    assert api(broker, 2) is not None  # the password "******" was kept: still admin/public


def test_req12_document_example_core_fields(broker):
    # The document's example, with the sections this build cannot change yet as req 11 shows them.
    data = json.loads(req11_text(broker))["data"]
    data.update({"num_taskq_thread": 10, "max_taskq_thread": 10, "parallel": 10,
                 "property_size": 32, "msq_len": 64, "allow_anonymous": True, "daemon": False})
    data["http_server"] = {"enable": True, "port": broker.http_port, "username": "admin",
                           "password": "public"}
    r = set_config(broker, data, seq=111)
    assert r.text == '{"code":0,"seq":111,"rep":12}'
    got = api(broker, 11)
    assert (got["num_taskq_thread"], got["max_taskq_thread"], got["parallel"], got["msq_len"]) == \
        (10, 10, 10, 64)


# --- req 12: live effect, persistence --------------------------------------------------------------

def test_req12_allow_anonymous_takes_effect_for_the_next_connect(broker):
    assert connack_rc(broker, "a1") == 0
    r = set_config(broker, {"allow_anonymous": False})
    assert r.text == '{"code":0,"seq":5,"rep":12}'
    assert connack_rc(broker, "a2") == 5            # 3.1.1: not authorized
    assert connack_rc(broker, "a3", version=5) == 135  # 5.0: Not authorized (0x87)
    assert connack_rc(broker, "named", username="u", password="p") == 0  # no password list
    assert api(broker, 11)["allow_anonymous"] is False
    check_json(set_config(broker, {"allow_anonymous": True}), 200, 0)
    assert connack_rc(broker, "a4") == 0


def test_req12_msq_len_and_qos_duration_live(broker, clients):
    check_json(set_config(broker, {"msq_len": 2, "qos_duration": 3}), 200, 0)
    got = api(broker, 11)
    assert (got["msq_len"], got["qos_duration"]) == (2, 3)
    assert "applied now: msq_len, qos_duration" in broker.log_text()
    # The queue bound applies at once: an offline session keeps only 2 of 5 QoS 1 messages.
    sub = clients(broker, client_id="q", version=4, clean=False)
    sub.subscribe("q/#", 1)
    sub.disconnect()
    pub = clients(broker, client_id="p", version=4)
    for i in range(5):
        pub.publish("q/x", f"m{i}".encode(), qos=1)
    back = clients(broker, client_id="q", version=4, clean=False)
    assert len(back.drain(timeout=1.0)) == 2


def test_req12_http_credentials_live_and_redacted(broker):
    assert api(broker, 11)["http_server"]["password"] == "******"
    # "******" keeps the password.
    check_json(set_config(broker, {"http_server": {"password": "******"}}), 200, 0)
    check_json(post(broker, {"req": 2, "seq": 1}), 200, 0)
    # A new password applies to the very next request; the old one is refused.
    check_json(set_config(broker, {"http_server": {"username": "root", "password": "s3cret"}}),
               200, 0)
    check_json(post(broker, {"req": 2, "seq": 1}), 401, 103)
    check_json(post(broker, {"req": 2, "seq": 1}, auth=("root", "s3cret")), 200, 0)
    hs = api(broker, 11, auth=("root", "s3cret"))["http_server"]
    assert hs["username"] == "root" and hs["password"] == "******"
    text = overrides(broker).read_text()
    assert 'http_server.password = "s3cret"' in text
    assert stat.S_IMODE(overrides(broker).stat().st_mode) == 0o600  # it holds a password
    assert "s3cret" not in broker.log_text()


def test_req12_switch_to_jwt_live(broker_factory, tmp_path):
    private, public = rsa_keys(tmp_path)
    b = broker_factory(extra_conf=f'http_server.jwt.public.keyfile = "{public}"')
    check_json(set_config(b, {"http_server": {"auth_type": "JWT"}}), 200, 0)
    check_json(post(b, {"req": 2, "seq": 1}), 401, 104)  # Basic is the wrong scheme now
    tok = token(private, "RS256", iss=public.name, exp=int(time.time()) + 300)
    data = api(b, 11, auth=None, headers=bearer(tok))
    assert data["http_server"]["auth_type"] == "jwt"
    r = post(b, {"req": 12, "seq": 1, "data": {"http_server": {"auth_type": "basic"}}}, auth=None,
             headers=bearer(tok))
    check_json(r, 200, 0)
    check_json(post(b, {"req": 2, "seq": 1}), 200, 0)


def test_req12_persisted_beside_the_file_and_kept_across_restart(broker_factory):
    b = broker_factory()
    original = b.conf_path.read_bytes()
    check_json(set_config(b, {"msq_len": 77, "allow_anonymous": False,
                              "http_server": {"password": "pw2"}}), 200, 0)
    assert b.conf_path.read_bytes() == original  # the user's file is never rewritten
    text = overrides(b).read_text()
    assert "mqtt.max_mqueue_len = 77" in text and "auth.allow_anonymous = false" in text
    assert not list(b.workdir.glob("*.tmp.*"))  # written through a temporary file, renamed
    b.restart()
    wait_port(b.http_port, b.proc)
    got = api(b, 11, auth=("admin", "pw2"))
    assert (got["msq_len"], got["allow_anonymous"]) == (77, False)
    assert connack_rc(b, "anon") == 5
    # A later change keeps the earlier ones and replaces its own key in place.
    check_json(set_config(b, {"msq_len": 78}, auth=("admin", "pw2")), 200, 0)
    text = overrides(b).read_text()
    assert text.count("mqtt.max_mqueue_len") == 1 and "mqtt.max_mqueue_len = 78" in text
    assert "auth.allow_anonymous = false" in text


def test_req12_wins_over_the_command_line_after_restart(broker_factory):
    b = broker_factory(args=["--msq_len", "10"])
    assert api(b, 11)["msq_len"] == 10
    check_json(set_config(b, {"msq_len": 77}), 200, 0)
    b.restart()
    wait_port(b.http_port, b.proc)
    assert api(b, 11)["msq_len"] == 77


def test_req12_kept_by_sighup_and_nanomq_reload(broker_factory, tmp_path):
    pid_file = tmp_path / "nmq.pid"
    b = broker_factory(args=["--pid_file", str(pid_file)])
    check_json(set_config(b, {"msq_len": 77}), 200, 0)
    b.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert api(b, 11)["msq_len"] == 77
    r = subprocess.run([NMQ_BIN, "reload", "--pid_file", str(pid_file)], capture_output=True,
                       text=True, timeout=15)
    assert r.returncode == 0, r.stderr
    time.sleep(0.5)
    assert api(b, 11)["msq_len"] == 77
    assert b.alive()


def test_sighup_reloads_http_credentials(broker_factory):
    b = broker_factory()
    b.conf_path.write_text(b.conf_path.read_text().replace("password = public",
                                                           "password = changed"))

    def reloaded():
        # A SIGHUP that arrives before the broker handles signals is dropped: send it again.
        b.proc.send_signal(signal.SIGHUP)
        return wait_until(lambda: post(b, {"req": 2, "seq": 1}).status_code == 401, 0.5)

    assert wait_until(reloaded, 5)
    check_json(post(b, {"req": 2, "seq": 1}, auth=("admin", "changed")), 200, 0)


def test_req12_restart_only_fields(broker_factory):
    b = broker_factory()
    check_json(set_config(b, {"num_taskq_thread": 3, "daemon": False, "parallel": 4,
                              "http_server": {"port": free_port()}}), 200, 0)
    assert wait_until(lambda: "take effect at the next restart: num_taskq_thread, parallel, "
                      "http_server.port" in b.log_text(), 3), b.log_text()[-2000:]
    got = api(b, 11)
    assert (got["num_taskq_thread"], got["parallel"]) == (3, 4)
    assert "started with 2 worker(s)" in b.log_text()
    b.stop()
    relaunch(b)
    wait_port(b.port, b.proc)
    assert wait_until(lambda: "started with 3 worker(s)" in b.log_text(), 10)


def test_req12_url_moves_the_listener_live(broker_factory, clients):
    b = broker_factory()
    before = clients(b, client_id="before", version=4)
    before.subscribe("u/#", 0)
    new_port = free_port()
    r = set_config(b, {"url": f"mqtt-tcp://127.0.0.1:{new_port}"})
    assert r.text == '{"code":0,"seq":5,"rep":12}'
    assert api(b, 11)["url"] == f"nmq-tcp://127.0.0.1:{new_port}"
    assert wait_until(lambda: listening(new_port), 5)
    assert wait_until(lambda: not listening(b.port), 5)
    assert "listeners.tcp.bind = \"127.0.0.1:%d\"" % new_port in overrides(b).read_text()
    # A connection the old listener accepted stays connected.
    old_port, b.port = b.port, new_port
    pub = clients(b, client_id="pub", version=4)
    pub.publish("u/1", b"moved", qos=1)
    assert before.expect().payload == b"moved"
    # And the new address is kept across a restart.
    b.stop()
    relaunch(b)
    wait_port(new_port, b.proc)
    assert not listening(old_port)


def test_req12_the_documents_example_as_written(broker_factory):
    """http-api-v1.zh.md's req 12 example, ports and the bridge's address pointed at this test's
    free ports: accepted, and req 11 then shows what it set (a TLS listener configured but off,
    WebSocket on with both URLs, a bridge), the WebSocket listener opened live and the secure
    one kept closed until TLS has a key and certificate."""
    b = broker_factory()
    mqtt_port, ws, wss, tls, remote = (free_port() for _ in range(5))
    data = {
        "url": f"nmq-tcp://0.0.0.0:{mqtt_port}",
        "num_taskq_thread": 10, "max_taskq_thread": 10, "parallel": 10, "property_size": 32,
        "msq_len": 64, "allow_anonymous": True, "daemon": False,
        "tls": {"enable": False, "url": f"tls+nmq-tcp://0.0.0.0:{tls}", "key_password": None,
                "key": None, "cert": None, "cacert": None, "verify_peer": False,
                "fail_if_no_peer_cert": False},
        "websocket": {"enable": True, "url": f"nmq-ws://0.0.0.0:{ws}/mqtt",
                      "tls_url": f"nmq-wss://0.0.0.0:{wss}/mqtt"},
        "http_server": {"enable": True, "port": b.http_port, "username": "admin",
                        "password": "public"},
        "bridge": {"bridge_mode": True, "address": f"mqtt-tcp://127.0.0.1:{remote}",
                   "proto_ver": 4, "clientid": "bridge_client", "clean_start": True,
                   "username": "username", "password": "passwd", "keepalive": 60, "parallel": 2,
                   "forwards": ["topic1/#", "topic2/#"],
                   "subscription": [{"topic": "cmd/topic1", "qos": 1},
                                    {"topic": "cmd/topic2", "qos": 2}]},
    }
    r = post(b, {"req": 12, "seq": 111, "data": data})
    assert r.status_code == 200 and r.text == '{"code":0,"seq":111,"rep":12}', r.text
    shown = api(b, 11)
    for key in ("url", "msq_len", "allow_anonymous", "daemon", "websocket"):
        assert shown[key] == data[key], key
    assert shown["tls"] == data["tls"]
    assert shown["bridge"] == {**data["bridge"], "password": "******"}
    assert (shown["num_taskq_thread"], shown["parallel"]) == (10, 10)  # kept for the restart
    assert wait_until(lambda: listening(ws), 5) and wait_until(lambda: listening(mqtt_port), 5)
    assert not listening(wss) and not listening(tls)
    assert "bridge 'bridge': added by the new configuration" in b.log_text()
    assert " error " not in b.log_text(), b.log_text()[-3000:]


def test_req12_and_sighup_racing_never_undo_each_other(broker_factory):
    """A SIGHUP that reads the file while req 12 saves a change: whichever order they run in,
    the broker ends with both the file's edit and the API's change (req 12 reloads from every
    source, as SIGHUP does, in the same queue)."""
    b = broker_factory(extra_conf="mqtt.retry_interval = 3s")
    base = b.conf_path.read_text()
    for i in range(1, 16):
        b.conf_path.write_text(base.replace("mqtt.retry_interval = 3s",
                                            f"mqtt.retry_interval = {i}s"))
        done = threading.Event()

        def hup():
            b.proc.send_signal(signal.SIGHUP)
            done.set()

        t = threading.Thread(target=hup)
        t.start()
        check_json(set_config(b, {"msq_len": 100 + i}), 200, 0)
        t.join()
        assert wait_until(lambda: (api(b, 11)["qos_duration"], api(b, 11)["msq_len"]) ==
                          (i, 100 + i), 5), (i, api(b, 11))
    assert b.alive()


def test_req12_refuses_an_address_already_taken(broker_factory, pems):
    """A listener moved or opened on a port that another program, or another of our
    listeners, holds is refused with 400/108 before anything is persisted: the reload could
    not open it."""
    b = broker_factory()
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    taken = holder.getsockname()[1]
    try:
        j = check_json(set_config(b, {"url": f"nmq-tcp://127.0.0.1:{taken}"}), 400, 108)
        assert j["message"].startswith("url: cannot listen on 127.0.0.1:%d: " % taken), j
        j = check_json(set_config(b, {"websocket": {"enable": True,
                                                    "url": f"nmq-ws://127.0.0.1:{taken}/mqtt"}}),
                       400, 108)
        assert j["message"].startswith("websocket.url: cannot listen on"), j
        # Our own MQTT port for the WebSocket listener: used twice.
        j = check_json(set_config(b, {"websocket": {"enable": True,
                                                    "url": f"nmq-ws://127.0.0.1:{b.port}/mqtt"}}),
                       400, 108)
        assert j["message"] == f"websocket.url: 127.0.0.1:{b.port} is already used by url", j
        assert not overrides(b).exists()
        assert listening(b.port)
    finally:
        holder.close()


def test_req12_cannot_persist_nothing_applied(broker_factory, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    b = broker_factory(extra_conf=f'http_server.overrides_file = "{blocker}/x.conf"')
    r = set_config(b, {"allow_anonymous": False}, seq=6)
    j = check_json(r, 500, 102)
    assert j["seq"] == 6 and j["rep"] == 12
    assert api(b, 11)["allow_anonymous"] is True
    assert connack_rc(b, "anon") == 0


def test_req12_overrides_file_key(broker_factory, tmp_path):
    target = tmp_path / "kept" / "api.conf"
    target.parent.mkdir()
    b = broker_factory(extra_conf=f'http_server.overrides_file = "{target}"')
    check_json(set_config(b, {"msq_len": 5}), 200, 0)
    assert "mqtt.max_mqueue_len = 5" in target.read_text()
    assert not overrides(b).exists()


def test_concurrent_req12_all_kept(broker_factory):
    import threading
    b = broker_factory(extra_conf="http_server.limit_conn = 4")
    errors = []

    def change(i):
        try:
            r = set_config(b, {"msq_len": 100 + i, "property_size": 200 + i}, seq=i)
            if r.status_code != 200:
                errors.append(r.text)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=change, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors
    got = api(b, 11)
    text = overrides(b).read_text()
    assert f"mqtt.max_mqueue_len = {got['msq_len']}" in text
    assert f"mqtt.property_size = {got['property_size']}" in text


# --- req 10 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,code", [
    ({"req": 10, "seq": 1}, 107),
    ({"req": 10, "seq": 1, "action": "reboot"}, 108),
    ({"req": 10, "seq": 1, "action": "STOP"}, 108),
    ({"req": 10, "seq": 1, "action": 1}, 108),
    ({"req": 10, "seq": 1, "action": None}, 108),
])
def test_req10_bad_action(broker, body, code):
    j = check_json(post(broker, body), 400, code)
    assert j["seq"] == 1 and j["rep"] == 10
    assert broker.alive()


def test_req10_stop(broker_factory):
    b = broker_factory()
    r = post(b, {"req": 10, "seq": 42, "action": "stop"})
    assert r.status_code == 200 and r.text == '{"code":0,"seq":42,"rep":10}'
    assert b.proc.wait(timeout=10) == 0  # stopped gracefully


def restart_and_wait(b, seq=7):
    pid = b.proc.pid
    done = b.log_text().count("restarted in place")
    r = post(b, {"req": 10, "seq": seq, "action": "restart"})
    assert r.status_code == 200 and r.text == '{"code":0,"seq":%d,"rep":10}' % seq
    # The listeners close, then the same process opens them again.
    assert wait_until(lambda: b.log_text().count("restarted in place") > done, 10)
    wait_port(b.port, b.proc, timeout=15)
    wait_port(b.http_port, b.proc, timeout=15)
    assert b.alive() and b.proc.pid == pid
    return pid


def test_req10_restart_in_place(broker_factory, clients):
    b = broker_factory()
    check_json(set_config(b, {"msq_len": 55}), 200, 0)
    c = clients(b, client_id="before", version=4)
    c.subscribe("r/#", 0)
    pid = restart_and_wait(b)
    assert wait_until(lambda: not c.disconnects.empty(), 5)  # the connection was closed
    assert f"restarted in place (PID {pid})" in b.log_text()
    # Same PID, the broker back on its ports, configuration (with API changes) as before.
    assert api(b, 11)["msq_len"] == 55
    sub = clients(b, client_id="after-sub", version=4)
    sub.subscribe("r/#", 0)
    pub = clients(b, client_id="after-pub", version=5)
    pub.publish("r/1", b"back", qos=1)
    assert sub.expect().payload == b"back"
    # And again: the restarted image can restart too, then stop with status 0.
    restart_and_wait(b, seq=8)
    check_json(post(b, {"req": 10, "seq": 9, "action": "stop"}), 200, 0)
    assert b.proc.wait(timeout=10) == 0


def test_req10_restart_keeps_persistent_sessions_with_sqlite(broker_factory, clients, tmp_path):
    """Spec req 10: "restart ... persistent sessions are kept": with persistence on, an offline
    persistent session, its subscription and the QoS 1 messages queued for it come back after
    the restart in place; req 4 and req 5 list it."""
    b = broker_factory(extra_conf=f'sqlite {{ mounted_file_path = "{tmp_path}" }}')
    sub = clients(b, client_id="keeper", version=4, clean=False)
    sub.subscribe("keep/#", 1)
    sub.disconnect()
    pub = clients(b, client_id="pub", version=4)
    for i in range(5):
        pub.publish("keep/n", str(i).encode(), qos=1)
    restart_and_wait(b)
    assert {"client_id": "keeper", "subscriptions": [{"topic": "keep/#", "qos": 1}]} in api(b, 4)
    assert "keeper" in [c["client_id"] for c in api(b, 5)]
    back = clients(b, client_id="keeper", version=4, clean=False)
    got = [back.expect() for _ in range(5)]
    assert [int(m.payload) for m in got] == list(range(5))
    assert all(m.qos == 1 for m in got)


def relaunch(b, verb="start", args=()):
    """Starts `b` again with its configuration file as it is (Broker.start rewrites it)."""
    log = open(b.log_path, "ab")
    b.proc = subprocess.Popen([NMQ_BIN, verb, "--conf", str(b.conf_path), *args], stdout=log,
                              stderr=subprocess.STDOUT, cwd=b.workdir)
    log.close()


def test_req10_restart_of_a_broker_started_with_restart(broker_factory, tmp_path):
    # `nanomq restart` first stops the broker named by the PID file: the restart in place must
    # not do that again (the broker named there is then this very process).
    pid_file = tmp_path / "r.pid"
    b = broker_factory(args=["--pid_file", str(pid_file)])
    b.stop()
    relaunch(b, "restart", ["--pid_file", str(pid_file)])
    wait_port(b.port, b.proc)
    wait_port(b.http_port, b.proc)
    restart_and_wait(b)
    assert pid_file.read_text().strip() == str(b.proc.pid)


def test_req10_restart_of_a_daemon_keeps_its_pid(tmp_path):
    port, http_port = free_port(), free_port()
    conf = tmp_path / "d.conf"
    conf.write_text(f'listeners.tcp {{ bind = "127.0.0.1:{port}" }}\n'
                    f'http_server {{ port = {http_port} }}\n')
    pid_file = tmp_path / "d.pid"
    # Relative path on purpose: the daemon runs from "/", its restart must still find the file.
    r = subprocess.run([NMQ_BIN, "start", "--conf", "d.conf", "--pid_file", str(pid_file), "-d"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=15)
    assert r.returncode == 0, r.stderr
    assert wait_until(lambda: pid_file.exists() and listening(http_port))
    pid = int(pid_file.read_text())
    try:
        resp = requests.post(f"http://127.0.0.1:{http_port}/api/v1", auth=AUTH, timeout=10,
                             data='{"req":10,"seq":1,"action":"restart"}')
        assert resp.text == '{"code":0,"seq":1,"rep":10}'
        time.sleep(0.5)
        assert wait_until(lambda: listening(port) and listening(http_port), 15)
        assert int(pid_file.read_text()) == pid
        assert os.path.exists(f"/proc/{pid}")
        resp = requests.post(f"http://127.0.0.1:{http_port}/api/v1", auth=AUTH, timeout=10,
                             data='{"req":10,"seq":2,"action":"stop"}')
        assert resp.text == '{"code":0,"seq":2,"rep":10}'
        assert wait_until(lambda: not os.path.exists(f"/proc/{pid}") or
                          " Z " in Path(f"/proc/{pid}/stat").read_text(), 10)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --- req 11 / req 12: TLS, WebSocket and bridge sections ---------------------------------------------

def ssl_openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pems(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1 with its key (plain and encrypted with
    "s3cret"), and a certificate from another key, all made by openssl."""
    d = tmp_path_factory.mktemp("pems")
    ssl_openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
                "ca.pem", "-days", "2", "-subj", "/CN=nmq api test CA", cwd=d)
    (d / "san.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name in ("server", "other"):
        ssl_openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                    f"{name}.csr", "-subj", "/CN=localhost", cwd=d)
        ssl_openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", "san.cnf",
                    cwd=d)
    ssl_openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:s3cret", "-out",
                "server-enc.key", cwd=d)
    return d


def tls_connack(port, ca):
    import ssl
    import paho.mqtt.client as mqtt
    c = mqtt.Client(client_id="tls-client", protocol=mqtt.MQTTv311)
    c.tls_set(ca_certs=str(ca))
    got = []
    c.on_connect = lambda c_, u, f, rc, p=None: got.append(rc)
    try:
        c.connect("127.0.0.1", port, keepalive=30)
    except (OSError, ssl.SSLError):
        return None
    c.loop_start()
    try:
        return got[0] if wait_until(lambda: got, TIMEOUT) else None
    finally:
        c.disconnect()
        c.loop_stop()


def ws_connack(port, path="/mqtt"):
    import paho.mqtt.client as mqtt
    c = mqtt.Client(client_id="ws-client", protocol=mqtt.MQTTv311, transport="websockets")
    c.ws_set_options(path=path)
    got = []
    c.on_connect = lambda c_, u, f, rc, p=None: got.append(rc)
    try:
        c.connect("127.0.0.1", port, keepalive=30)
    except OSError:
        return None
    c.loop_start()
    try:
        return got[0] if wait_until(lambda: got, TIMEOUT) else None
    finally:
        c.disconnect()
        c.loop_stop()


def test_req11_shows_tls_websocket_and_bridge(broker_factory, pems):
    ssl_port, ws_port, wss_port, remote = free_port(), free_port(), free_port(), free_port()
    b = broker_factory(extra_conf=f"""
listeners.ssl {{
    bind = "127.0.0.1:{ssl_port}"
    keyfile = "{pems / 'server-enc.key'}"
    certfile = "{pems / 'server.pem'}"
    cacertfile = "{pems / 'ca.pem'}"
    key_password = "s3cret"
    verify_peer = true
}}
listeners.ws {{ bind = "127.0.0.1:{ws_port}/mqtt" }}
listeners.wss {{ bind = "127.0.0.1:{wss_port}/ws" }}
bridges.mqtt.up {{
    server = "mqtt-tcp://127.0.0.1:{remote}"
    proto_ver = 5
    clientid = "edge-1"
    keepalive = 30s
    clean_start = true
    username = "bridge-user"
    password = "bridge-secret"
    max_parallel_processes = 3
    forwards = [{{remote_topic = "up/a", local_topic = "a/#"}}, {{local_topic = "b/+"}}]
    subscription = [{{remote_topic = "cmd/#", qos = 2}}, {{remote_topic = "cfg", qos = 0}}]
}}
""")
    r = post(b, {"req": 11, "seq": 1})
    data = check_json(r, 200, 0)["data"]
    assert data["tls"] == {
        "enable": True, "url": f"tls+nmq-tcp://127.0.0.1:{ssl_port}", "key_password": "******",
        "key": "******", "cert": (pems / "server.pem").read_text(),
        "cacert": (pems / "ca.pem").read_text(), "verify_peer": True,
        "fail_if_no_peer_cert": False}
    assert data["websocket"] == {"enable": True, "url": f"nmq-ws://127.0.0.1:{ws_port}/mqtt",
                                 "tls_url": f"nmq-wss://127.0.0.1:{wss_port}/ws"}
    assert data["bridge"] == {
        "bridge_mode": True, "address": f"mqtt-tcp://127.0.0.1:{remote}", "proto_ver": 5,
        "clientid": "edge-1", "clean_start": True, "username": "bridge-user",
        "password": "******", "keepalive": 30, "parallel": 3, "forwards": ["a/#", "b/+"],
        "subscription": [{"topic": "cmd/#", "qos": 2}, {"topic": "cfg", "qos": 0}]}
    for secret in ("s3cret", "bridge-secret", "PRIVATE KEY"):
        assert secret not in r.text
    # What req 11 shows, sent back, changes nothing.
    r = set_config(b, data)
    assert r.text == '{"code":0,"seq":5,"rep":12}', r.text
    assert not overrides(b).exists()


def test_req12_opens_a_tls_listener_live(broker_factory, pems):
    b = broker_factory()
    port = free_port()
    tls = {"enable": True, "url": f"tls+nmq-tcp://127.0.0.1:{port}",
           "key": (pems / "server-enc.key").read_text(), "keypass": "s3cret",
           "cert": (pems / "server.pem").read_text(), "cacert": (pems / "ca.pem").read_text()}
    r = set_config(b, {"tls": tls})
    assert r.text == '{"code":0,"seq":5,"rep":12}', r.text
    assert wait_until(lambda: listening(port), 5), b.log_text()[-2000:]
    assert tls_connack(port, pems / "ca.pem") == 0
    shown = api(b, 11)["tls"]
    assert shown["key"] == "******" and shown["key_password"] == "******"
    assert shown["cert"] == tls["cert"] and shown["url"] == tls["url"] and shown["enable"]
    # The PEM contents became files of the broker's own, the key readable by it alone.
    folder = Path(str(overrides(b)) + ".d")
    keys = list(folder.glob("listeners.ssl.key-*.pem"))
    assert len(keys) == 1 and keys[0].read_text() == tls["key"]
    assert stat.S_IMODE(keys[0].stat().st_mode) == 0o600
    text = overrides(b).read_text()
    assert f'listeners.ssl.keyfile = "{keys[0]}"' in text
    assert 'listeners.ssl.key_password = "s3cret"' in text
    # Kept across a restart.
    b.restart()
    assert wait_until(lambda: listening(port), 10)
    assert tls_connack(port, pems / "ca.pem") == 0
    # Closed live.
    check_json(set_config(b, {"tls": {"enable": False}}), 200, 0)
    assert wait_until(lambda: not listening(port), 5)
    assert api(b, 11)["tls"]["url"] == tls["url"]  # configured but disabled: the URL shows
    # New contents replace the files; the ones no longer named are removed, not left behind.
    other = {"enable": True, "key": (pems / "other.key").read_text(), "key_password": None,
             "cert": (pems / "other.pem").read_text()}
    check_json(set_config(b, {"tls": other}), 200, 0)
    assert wait_until(lambda: listening(port), 5)
    assert tls_connack(port, pems / "ca.pem") == 0
    keys = list(folder.glob("listeners.ssl.key-*.pem"))
    assert len(keys) == 1 and keys[0].read_text() == other["key"]
    certs = list(folder.glob("listeners.ssl.cert-*.pem"))
    assert len(certs) == 1 and certs[0].read_text() == other["cert"]
    assert len(list(folder.glob("listeners.ssl.cacert-*.pem"))) == 1  # still named


@pytest.mark.parametrize("change,field,problem", [
    ({"key": "other"}, "tls.cert", "does not belong"),
    ({"key": "server-enc", "keypass": None}, "tls.key", "key_password"),
    ({"key": "server-enc", "keypass": "wrong"}, "tls.key", "key_password"),
    ({"key": "garbage"}, "tls.key", "not a PEM private key"),
    ({"cert": "garbage"}, "tls.cert", "not a PEM certificate"),
    ({"url": "nmq-ws://127.0.0.1:1"}, "tls.url", "expected a URL"),
])
def test_req12_tls_refused_with_the_reason(broker_factory, pems, change, field, problem):
    b = broker_factory()
    tls = {"enable": True, "url": f"tls+nmq-tcp://127.0.0.1:{free_port()}",
           "key": (pems / "server.key").read_text(), "cert": (pems / "server.pem").read_text()}
    for k, v in change.items():
        if k in ("key", "cert") and v != "garbage":
            v = (pems / f"{v}.{'key' if k == 'key' else 'pem'}").read_text()
        elif v == "garbage":
            v = "-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n"
        tls[k] = v
    j = check_json(set_config(b, {"tls": tls}), 400, 108)
    assert j["message"].startswith(field + ":") and problem in j["message"], j["message"]
    assert not overrides(b).exists()
    assert not Path(str(overrides(b)) + ".d").exists()


def test_req12_opens_websocket_listeners_live(broker_factory, pems):
    b = broker_factory()
    ws = free_port()
    # Without TLS settings anywhere, a secure WebSocket listener cannot be opened: its URL is
    # kept (as NanoMQ does) and it stays closed, without an error in the log.
    wss = free_port()
    check_json(set_config(b, {"websocket": {"tls_url": f"nmq-wss://127.0.0.1:{wss}/mqtt"}}), 200, 0)
    r = set_config(b, {"websocket": {"enable": True, "url": f"nmq-ws://127.0.0.1:{ws}/mqtt"}})
    assert r.text == '{"code":0,"seq":5,"rep":12}'
    assert wait_until(lambda: listening(ws), 5), b.log_text()[-2000:]
    assert ws_connack(ws) == 0
    assert api(b, 11)["websocket"] == {"enable": True, "url": f"nmq-ws://127.0.0.1:{ws}/mqtt",
                                       "tls_url": f"nmq-wss://127.0.0.1:{wss}/mqtt"}
    assert not listening(wss) and " error " not in b.log_text()
    check_json(set_config(b, {"websocket": {"enable": False}}), 200, 0)
    assert wait_until(lambda: not listening(ws), 5)


def test_req12_bridge_settings(broker_factory):
    remote = free_port()
    b = broker_factory(extra_conf=f"""
bridges.mqtt.up {{
    server = "mqtt-tcp://127.0.0.1:{remote}"
    forwards = [{{local_topic = "a/#"}}]
    password = "old"
}}
""")
    other = free_port()
    r = set_config(b, {"bridge": {"address": f"mqtt-tcp://127.0.0.1:{other}", "keepalive": 20,
                                  "clientid": "edge-9", "password": "******"}})
    assert r.text == '{"code":0,"seq":5,"rep":12}', r.text
    got = api(b, 11)["bridge"]
    assert (got["address"], got["keepalive"], got["clientid"], got["password"]) == \
        (f"mqtt-tcp://127.0.0.1:{other}", 20, "edge-9", "******")
    text = overrides(b).read_text()
    assert f'bridges.mqtt.up.server = "mqtt-tcp://127.0.0.1:{other}"' in text
    assert "bridges.mqtt.up.keepalive = 20" in text and "password" not in text
    # Applied live: the bridge reconnects with its new settings (issue 6), nothing waits for a
    # restart.
    assert wait_for(lambda: "bridge 'up': settings changed; reconnecting" in b.log_text(), True)
    assert "next restart: bridge" not in b.log_text()
    # The lists are replaced; an entry that was there keeps its other settings.
    r = set_config(b, {"bridge": {"forwards": ["a/#", "b/#"],
                                  "subscription": [{"topic": "cmd/#", "qos": 2}]}})
    check_json(r, 200, 0)
    got = api(b, 11)["bridge"]
    assert got["forwards"] == ["a/#", "b/#"]
    assert got["subscription"] == [{"topic": "cmd/#", "qos": 2}]
    text = overrides(b).read_text()
    assert ('bridges.mqtt.up.forwards = [{local_topic = "a/#", remote_topic = "", retain = 2, '
            'prefix = "", suffix = ""}, {local_topic = "b/#"}]') in text, text
    assert 'bridges.mqtt.up.subscription = [{remote_topic = "cmd/#", qos = 2}]' in text, text
    for bad, field in (({"forwards": ["x/#/y"]}, "bridge.forwards"),
                       ({"address": "quic://h:1"}, "bridge.address"),
                       ({"proto_ver": 6}, "bridge.proto_ver"),
                       ({"keepalive": None}, "bridge.keepalive")):
        j = check_json(set_config(b, {"bridge": bad}), 400, 108)
        assert j["message"].startswith(field + ":"), j["message"]


def test_req12_without_a_bridge_round_trips_and_adds_none(broker):
    # As req 11 shows it: accepted, and no bridge appears.
    check_json(set_config(broker, {"bridge": api(broker, 11)["bridge"]}), 200, 0)
    assert api(broker, 11)["bridge"]["bridge_mode"] is False
    assert not overrides(broker).exists()


def test_req12_with_the_key_value_format(tmp_path):
    # NanoMQ's older format (--old_conf): the overrides file sits beside it all the same.
    port, http_port = free_port(), free_port()
    conf = tmp_path / "nanomq_old.conf"
    conf.write_text(f"url=nmq-tcp://127.0.0.1:{port}\nmsq_len=64\nhttp_server.enable=true\n"
                    f"http_server.port={http_port}\n")
    log = open(tmp_path / "old.log", "ab")

    def launch():
        return subprocess.Popen([NMQ_BIN, "start", "--old_conf", str(conf)], stdout=log,
                                stderr=subprocess.STDOUT)

    proc = launch()
    try:
        wait_port(http_port, proc)
        base = f"http://127.0.0.1:{http_port}/api/v1"
        r = requests.post(base, auth=AUTH, timeout=10,
                          data='{"req":12,"seq":1,"data":{"msq_len":99}}')
        assert r.text == '{"code":0,"seq":1,"rep":12}'
        assert "mqtt.max_mqueue_len = 99" in Path(str(conf) + ".api-overrides.conf").read_text()
        proc.terminate()
        proc.wait(timeout=10)
        proc = launch()
        wait_port(http_port, proc)
        r = requests.post(base, auth=AUTH, timeout=10, data='{"req":11,"seq":2}')
        assert r.json()["data"]["msq_len"] == 99
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
