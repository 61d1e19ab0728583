"""Access control: NanoMQ's password file checked at CONNECT and its ACL file checked on
PUBLISH and SUBSCRIBE (the `auth` section), failing closed, logged, and reloadable."""
import os
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import NMQ_BIN, TIMEOUT, Client, free_port
from util_part1 import (DISCONNECT, PUBACK, PUBCOMP, PUBREC, PUBREL, ack, handshake, publish,
                        raw_subscribe, recv, recv_until_close, subscribe, wait_for)

pytestmark = pytest.mark.nmq_only

REFERENCE = Path(os.environ.get("NMQ_SHARED", Path(__file__).resolve().parents[3] / "shared")) / "reference" / "nanomq-etc"

PWD = '''# # Write "username":"password" in this way.
"admin": "public"
"client": "s3cret"
'''

ACL = '''rules = [
    {"permit": "allow", "username": "dashboard", "action": "subscribe", "topics": ["$SYS/#"]}
    {"permit": "deny", "username": "#", "action": "subscribe", "topics": ["$SYS/#", "secret/#"]}
    {"permit": "allow", "username": "writer", "action": "publish", "topics": ["data/#"]}
    {"permit": "deny", "action": "publish", "topics": ["data/#"]}
    {"permit": "allow", "action": "pubsub", "topics": ["users/%u/#"]}
    {"permit": "deny", "action": "pubsub", "topics": ["users/#"]}
    {"permit": "allow"}
]
'''


def auth_conf(tmp_path, allow_anonymous=True, pwd=PWD, acl=ACL, deny_action="ignore",
              no_match="allow"):
    lines = [f"auth {{", f"  allow_anonymous = {str(allow_anonymous).lower()}",
             f"  no_match = {no_match}", f"  deny_action = {deny_action}"]
    if pwd is not None:
        (tmp_path / "nanomq_pwd.conf").write_text(pwd)
        lines.append(f'  password = {{include "{tmp_path / "nanomq_pwd.conf"}"}}')
    if acl is not None:
        (tmp_path / "nanomq_acl.conf").write_text(acl)
        lines.append(f'  acl = {{include "{tmp_path / "nanomq_acl.conf"}"}}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def connack_rc(broker, version, username=None, password=None):
    c = Client(broker, version=version, username=username, password=password, connect=False)
    try:
        _, rc, _ = c.connect(expect_rc=None)
        return rc
    finally:
        c.c.disconnect()
        c.c.loop_stop()


# ---------------------------------------------------------------------------- passwords

def test_password_file_checked_at_connect_v311(broker_factory, tmp_path):
    b = broker_factory(extra_conf=auth_conf(tmp_path, allow_anonymous=False, acl=None))
    assert connack_rc(b, 4, "admin", "public") == 0
    assert connack_rc(b, 4, "client", "s3cret") == 0
    # [MQTT-3.2.2-6] a refused CONNECT gets a non-zero return code, then the close.
    assert connack_rc(b, 4, "admin", "wrong") == 5
    assert connack_rc(b, 4, "nobody", "public") == 5
    assert connack_rc(b, 4, "admin", None) == 5
    assert connack_rc(b, 4) == 5  # anonymous
    log = b.log_text()
    assert "bad user name or password for user 'admin'" in log
    assert "allow_anonymous is false" in log
    assert "s3cret" not in log and "wrong" not in log  # passwords never reach the log


def test_password_file_checked_at_connect_v5(broker_factory, tmp_path):
    b = broker_factory(extra_conf=auth_conf(tmp_path, allow_anonymous=False, acl=None))
    assert connack_rc(b, 5, "admin", "public") == 0
    assert connack_rc(b, 5, "admin", "wrong") == 0x86  # Bad User Name or Password
    assert connack_rc(b, 5) == 0x87  # Not authorized


def test_allow_anonymous_with_a_password_file(broker_factory, tmp_path):
    """Anonymous clients come in; a client that names a user must still prove it."""
    b = broker_factory(extra_conf=auth_conf(tmp_path, allow_anonymous=True, acl=None))
    assert connack_rc(b, 4) == 0
    assert connack_rc(b, 4, "admin", "public") == 0
    assert connack_rc(b, 4, "admin", "nope") == 5


def test_inline_password_section(broker_factory, tmp_path):
    conf = 'auth {\n allow_anonymous = false\n password = {\n  "u1": "p1"\n }\n}\n'
    b = broker_factory(extra_conf=conf)
    assert connack_rc(b, 4, "u1", "p1") == 0
    assert connack_rc(b, 4, "u1", "p2") == 5


def test_nanomqs_sample_password_file(broker_factory):
    pwd = REFERENCE / "nanomq_pwd.conf"
    if not pwd.exists():
        pytest.skip(f"{pwd} not present")
    b = broker_factory(extra_conf=f'auth {{\n allow_anonymous = false\n password = {{include "{pwd}"}}\n}}\n')
    assert connack_rc(b, 4, "admin", "public") == 0
    assert connack_rc(b, 4, "client", "public") == 0
    assert connack_rc(b, 4, "client", "x") == 5


def start_expecting_failure(tmp_path, extra):
    port = free_port()
    conf = tmp_path / "bad.conf"
    conf.write_text(f'listeners.tcp.bind = "127.0.0.1:{port}"\n{extra}')
    r = subprocess.run([NMQ_BIN, "start", "--conf", str(conf)], capture_output=True, text=True,
                       timeout=20)
    return r


@pytest.mark.parametrize("section,what", [("password", "password file"), ("acl", "ACL file")])
def test_missing_file_stops_the_broker(tmp_path, section, what):
    """Fail closed: a configured password or ACL file that cannot be read never lets
    everyone in; the broker does not start and says which file."""
    missing = tmp_path / "nowhere" / f"{section}.conf"
    r = start_expecting_failure(tmp_path, f'auth {{\n  {section} = {{include "{missing}"}}\n}}\n')
    assert r.returncode != 0
    assert str(missing) in r.stderr, r.stderr
    assert f"auth.{section}" in r.stderr and what in r.stderr, r.stderr


def test_bad_acl_rule_stops_the_broker_with_its_location(tmp_path):
    (tmp_path / "acl.conf").write_text('rules = [\n  {"permit": "allow"}\n  {"permit": "perhaps"}\n]\n')
    r = start_expecting_failure(tmp_path, f'auth.acl = {{include "{tmp_path / "acl.conf"}"}}\n')
    assert r.returncode != 0
    assert f"{tmp_path / 'acl.conf'}:3:" in r.stderr, r.stderr
    assert "auth.acl.rules[1].permit: expected allow or deny" in r.stderr, r.stderr


# ---------------------------------------------------------------------------- ACL

@pytest.fixture
def acl_broker(broker_factory, tmp_path):
    return broker_factory(extra_conf=auth_conf(tmp_path, allow_anonymous=True, pwd=None))


def test_subscribe_denied_per_filter_v311(acl_broker, raw):
    r = raw(acl_broker)
    handshake(r, "s311", username="someone")
    # [MQTT-3.9.3-2] 0x80 for the refused filter, the others granted in the same SUBACK.
    assert raw_subscribe(r, [("open/#", 1), ("secret/x", 1), ("$SYS/#", 0)]) == [1, 0x80, 0x80]


def test_subscribe_denied_per_filter_v5(acl_broker, raw):
    r = raw(acl_broker)
    handshake(r, "s5", version=5, username="someone")
    assert raw_subscribe(r, [("secret/#", 1), ("open/x", 0)], version=5) == [0x87, 0]


def test_rule_for_one_user(acl_broker, raw):
    r = raw(acl_broker)
    handshake(r, "dash", username="dashboard")
    assert raw_subscribe(r, [("$SYS/#", 0)]) == [0]


def test_denied_publish_is_not_delivered_v5(acl_broker, clients, raw):
    sub = clients(acl_broker, "sub-data", version=5)
    sub.subscribe("data/#", 1)
    r = raw(acl_broker)
    handshake(r, "pub5", version=5, username="reader")
    r.send(publish("data/t", b"no", qos=1, pid=7, version=5))
    p = recv(r, 5)
    assert p.type == PUBACK and p.packet_id == 7
    assert p.ack_reason() == 0x87  # Not authorized
    r.send(publish("data/t", b"no2", qos=2, pid=8, version=5))
    p = recv(r, 5)
    assert p.type == PUBREC and p.ack_reason() == 0x87
    r.send(publish("data/t", b"no0", qos=0, version=5))
    sub.expect_none(0.5)
    # The connection is still fine (deny_action = ignore).
    r.send(publish("open/t", b"ok", qos=1, pid=9, version=5))
    p = recv(r, 5)
    assert p.type == PUBACK and p.ack_reason() in (0, 0x10)


def test_denied_publish_v311_is_acknowledged_and_dropped(acl_broker, clients, raw):
    sub = clients(acl_broker, "sub-data311")
    sub.subscribe("data/#", 1)
    r = raw(acl_broker)
    handshake(r, "pub311", username="reader")
    r.send(publish("data/t", b"no", qos=1, pid=3))
    p = recv(r)
    assert p.type == PUBACK and p.packet_id == 3
    r.send(publish("data/t", b"no", qos=2, pid=4))
    p = recv(r)
    assert p.type == PUBREC and p.packet_id == 4
    r.send(ack(PUBREL, 4))
    p = recv(r)
    assert p.type == PUBCOMP and p.packet_id == 4
    sub.expect_none(0.5)


def test_allowed_user_publishes(acl_broker, clients):
    sub = clients(acl_broker, "sub-w")
    sub.subscribe("data/#", 1)
    w = clients(acl_broker, "writer-1", username="writer", password="")
    w.publish("data/x", b"hello", qos=1)
    assert sub.expect().payload == b"hello"


def test_username_placeholder(acl_broker, clients):
    alice = clients(acl_broker, "alice-phone", version=5, username="alice")
    assert alice.subscribe("users/alice/#", 1)[0].value == 1
    assert alice.subscribe("users/bob/#", 1)[0].value == 0x87
    alice.publish("users/alice/inbox", b"self", qos=1)
    assert alice.expect().payload == b"self"


def test_deny_action_disconnect(broker_factory, tmp_path, raw, clients):
    b = broker_factory(extra_conf=auth_conf(tmp_path, pwd=None, deny_action="disconnect"))
    bystander = clients(b, "bystander")
    bystander.subscribe("open/#")
    r = raw(b)
    handshake(r, "bad5", version=5, username="reader")
    r.send(publish("data/t", b"no", qos=1, pid=1, version=5))
    pkts = recv_until_close(r, 5)
    # Server-initiated DISCONNECT with 0x87, then the close (section 3.14).
    assert [p.type for p in pkts] == [DISCONNECT]
    assert pkts[0].ack_reason() == 0x87
    r2 = raw(b)
    handshake(r2, "bad311", username="reader")
    r2.send(subscribe(1, [("secret/#", 0)]))
    assert recv_until_close(r2) == []  # 3.1.1: closed without a SUBACK
    # Nobody else is touched.
    bystander.publish("open/x", b"still here")
    assert bystander.expect().payload == b"still here"
    assert "denied by ACL rule at" in b.log_text()


def test_will_to_a_denied_topic_is_not_published(acl_broker, clients):
    sub = clients(acl_broker, "will-watch")
    sub.subscribe("data/#")
    victim = clients(acl_broker, "victim", username="reader",
                     will=dict(topic="data/will", payload=b"gone"))
    victim.kill()
    sub.expect_none(1.0)
    assert wait_for(lambda: "will of client 'victim'" in acl_broker.log_text())


def test_no_match_deny(broker_factory, tmp_path, raw):
    acl = 'rules = [\n {"permit": "allow", "action": "subscribe", "topics": ["ok/#"]}\n]\n'
    b = broker_factory(extra_conf=auth_conf(tmp_path, pwd=None, acl=acl, no_match="deny"))
    r = raw(b)
    handshake(r, "nm")
    assert raw_subscribe(r, [("ok/1", 0), ("other", 0)]) == [0, 0x80]
    assert "no ACL rule matched, no_match = deny" in b.log_text()


def test_nanomqs_sample_acl_file(broker_factory, raw):
    acl = REFERENCE / "nanomq_acl.conf"
    if not acl.exists():
        pytest.skip(f"{acl} not present")
    b = broker_factory(extra_conf=f'auth {{\n no_match = deny\n acl = {{include "{acl}"}}\n}}\n')
    r = raw(b)
    handshake(r, "dash", username="dashboard")
    # Its last rule {"permit": "allow"} allows everything else.
    assert raw_subscribe(r, [("$SYS/#", 0), ("a/b", 1)]) == [0, 1]


# ---------------------------------------------------------------------------- reload

def test_password_and_acl_files_are_reloadable(broker_factory, tmp_path, raw):
    b = broker_factory(extra_conf=auth_conf(tmp_path, allow_anonymous=False))
    keeper = raw(b)
    handshake(keeper, "keeper", username="admin", password="public")
    assert connack_rc(b, 4, "admin", "public") == 0
    (tmp_path / "nanomq_pwd.conf").write_text('"admin": "changed"\n')
    (tmp_path / "nanomq_acl.conf").write_text('rules = [{"permit": "deny", "action": "subscribe", "topics": ["open/#"]}, {"permit": "allow"}]\n')
    b.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "reload: auth settings applied" in b.log_text())
    assert connack_rc(b, 4, "admin", "public") == 5
    assert connack_rc(b, 4, "admin", "changed") == 0
    # The connection made before the reload stays, and the new ACL applies to it.
    assert raw_subscribe(keeper, [("open/1", 0)], pid=2) == [0x80]

    # A broken file on reload: refused, the running rules stay.
    (tmp_path / "nanomq_acl.conf").write_text('rules = [{"permit": "sometimes"}]\n')
    b.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "auth.acl.rules[0].permit" in b.log_text())
    assert raw_subscribe(keeper, [("open/2", 0)], pid=3) == [0x80]
    assert connack_rc(b, 4, "admin", "changed") == 0


# ---------------------------------------------------------------------------- --test-config

def test_test_config_validates_without_starting(tmp_path):
    port = free_port()
    (tmp_path / "pwd.conf").write_text(PWD)
    good = tmp_path / "good.conf"
    good.write_text(f'listeners.tcp.bind = "127.0.0.1:{port}"\n'
                    f'auth {{\n password = {{include "{tmp_path / "pwd.conf"}"}}\n}}\n'
                    'mystery_key = 1\n')
    r = subprocess.run([NMQ_BIN, "start", "--conf", str(good), "--test-config"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    assert "is valid" in r.stdout
    assert "mystery_key" in r.stderr  # warnings are shown too
    import socket
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()

    bad = tmp_path / "bad.conf"
    bad.write_text(f'auth {{\n password = {{include "{tmp_path / "gone.conf"}"}}\n}}\n')
    r = subprocess.run([NMQ_BIN, "start", "--conf", str(bad), "--test-config"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert f"{bad}:2:" in r.stderr and "gone.conf" in r.stderr, r.stderr
