"""HTTP API V1 (/work/shared/spec/http-api-v1.md): transport, authentication (Basic and JWT),
the envelope and requests 2, 4, 5 and 13 (10, 11 and 12: test_15). NanoMQ-only: mosquitto has no
HTTP API."""
import base64
import http.client
import json
import socket
import subprocess
import threading
import time

import pytest
import requests

from conftest import NMQ_BIN, free_port, wait_port
from http_util import (AUTH, api, basic, bearer, check_json, ec_keys, hs256_with_public_key, post,
                       rsa_keys, token, unsigned_token, url, wait_for)

pytestmark = pytest.mark.nmq_only

I64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1


@pytest.fixture
def broker_factory(broker_factory):
    """conftest's factory, which waits for the MQTT port only: wait for the API's port too (the
    API server binds just after the MQTT listeners). `broker` uses this one in this module."""

    def make(*args, **kwargs):
        b = broker_factory(*args, **kwargs)
        wait_port(b.http_port, b.proc)
        return b

    return make


# --- Authentication (checked first) ------------------------------------------------------------

@pytest.mark.parametrize("headers,code", [
    ({}, 104),                                          # no Authorization header
    ({"Authorization": "Bearer abc.def.ghi"}, 104),     # wrong scheme
    ({"Authorization": "Digest x"}, 104),               # wrong scheme
    ({"Authorization": "Basic"}, 104),                  # scheme without credentials
    (basic("admin:wrong"), 103),                        # wrong password
    (basic("root:public"), 103),                        # wrong user
    (basic("adminpublic"), 103),                        # no colon
    ({"Authorization": "Basic !!!notbase64"}, 103),     # malformed
    (basic(":"), 104),                                  # empty user and password
    (basic("admin:"), 104),                             # empty password
    (basic(":public"), 104),                            # empty user
])
def test_auth_failures(broker, headers, code):
    r = requests.post(url(broker), data='{"req":2,"seq":1}', headers=headers, timeout=10)
    j = check_json(r, 401, code)
    assert r.headers["WWW-Authenticate"] == 'Basic realm="nanomq"'
    assert "seq" not in j and "rep" not in j


@pytest.mark.parametrize("scheme", ["Basic", "basic", "BASIC", "bAsIc"])
def test_auth_scheme_case_insensitive(broker, scheme):
    token = base64.b64encode(b"admin:public").decode()
    r = requests.post(url(broker), data='{"req":2,"seq":1}',
                      headers={"Authorization": f"{scheme} {token}"}, timeout=10)
    check_json(r, 200, 0)


@pytest.mark.parametrize("path,method,body", [
    ("/nope", "GET", ""),                  # before routing
    ("/api/v1", "DELETE", ""),             # before the method check
    ("/api/v1", "POST", "not json"),       # before the body is parsed
    ("/api/v1", "POST", 3_000_000),        # before the size limit (a body of this size)
], ids=["path", "method", "body", "size"])
def test_auth_comes_first(broker, path, method, body):
    if isinstance(body, int):
        body = "x" * body
    r = post(broker, body, path=path, method=method, auth=("admin", "bad"))
    check_json(r, 401, 103)


def start_failure(tmp_path, http_conf):
    """Starts a broker whose http_server section is `http_conf`; returns (exit status, output)
    of a start that must fail."""
    conf = tmp_path / "bad.conf"
    conf.write_text(f'listeners.tcp {{ bind = "127.0.0.1:{free_port()}" }}\n'
                    f"http_server {{\n port = {free_port()}\n {http_conf}\n}}\n")
    r = subprocess.run([NMQ_BIN, "start", "--conf", str(conf)], capture_output=True, text=True,
                       timeout=15)
    return r.returncode, r.stdout + r.stderr


def test_no_auth_is_a_startup_error(tmp_path):
    # Spec: auth_type other than basic or jwt is a configuration error at start-up.
    rc, out = start_failure(tmp_path, "auth_type = no_auth")
    assert rc != 0
    assert "http_server.auth_type" in out


# --- JWT -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def jwt_keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("jwt")
    keys = {"rsa": rsa_keys(folder), "ec": ec_keys(folder), "other_rsa": rsa_keys(folder, "other")}
    keys["p384"] = ec_keys(folder, "p384", curve="secp384r1")
    return keys


def jwt_broker(broker_factory, public_key):
    return broker_factory(extra_conf=f'http_server.auth_type = jwt\n'
                                     f'http_server.jwt.public.keyfile = "{public_key}"')


@pytest.fixture
def rs_broker(broker_factory, jwt_keys):
    return jwt_broker(broker_factory, jwt_keys["rsa"][1])


def jwt_request(broker, tok=None, headers=None):
    h = headers if headers is not None else bearer(tok)
    return post(broker, {"req": 2, "seq": 1}, auth=None, headers=h)


ISS_RSA = "jwtRS256.key.pub"  # the key file's base name (spec: iss must equal it exactly)


@pytest.mark.parametrize("case,claims,status,code", [
    ("valid", dict(iss=ISS_RSA, exp=+300), 200, 0),
    ("exp within the 30 s skew", dict(iss=ISS_RSA, exp=-10), 200, 0),
    ("expired", dict(iss=ISS_RSA, exp=-60), 401, 116),
    ("long expired", dict(iss=ISS_RSA, exp=-86400), 401, 116),
    ("no exp", dict(iss=ISS_RSA, exp=None), 401, 103),
    ("exp not a number", dict(iss=ISS_RSA, exp="tomorrow"), 401, 103),
    ("no iss", dict(iss=None, exp=+300), 401, 103),
    ("iss a prefix of the name", dict(iss="jwtRS256", exp=+300), 401, 103),
    ("iss another name", dict(iss="nanomq", exp=+300), 401, 103),
    ("iss with the path", dict(iss="/x/jwtRS256.key.pub", exp=+300), 401, 103),
    ("nbf in the future", dict(iss=ISS_RSA, exp=+300, nbf=+60), 401, 103),
    ("nbf within the skew", dict(iss=ISS_RSA, exp=+300, nbf=+10), 200, 0),
    ("nbf passed", dict(iss=ISS_RSA, exp=+300, nbf=-10), 200, 0),
    ("expired and bad iss", dict(iss="nanomq", exp=-60), 401, 103),
])
def test_jwt_claims(rs_broker, jwt_keys, case, claims, status, code):
    now = int(time.time())
    claims = {k: (now + v if k in ("exp", "nbf") and isinstance(v, int) else v)
              for k, v in claims.items()}
    r = jwt_request(rs_broker, token(jwt_keys["rsa"][0], "RS256", **claims))
    j = check_json(r, status, code)
    if status == 401:
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="nanomq"'
        assert "seq" not in j and "rep" not in j


def test_jwt_es256(broker_factory, jwt_keys):
    b = jwt_broker(broker_factory, jwt_keys["ec"][1])
    exp = int(time.time()) + 300
    ok = token(jwt_keys["ec"][0], "ES256", iss="jwtES256.key.pub", exp=exp)
    check_json(jwt_request(b, ok), 200, 0)
    # An RSA token, even well signed by its own key, is not for this EC key.
    rs = token(jwt_keys["rsa"][0], "RS256", iss="jwtES256.key.pub", exp=exp)
    check_json(jwt_request(b, rs), 401, 103)
    # ES256 signature bytes tampered.
    head, payload, sig = ok.split(".")
    bad = head + "." + payload + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    check_json(jwt_request(b, bad), 401, 103)


def test_jwt_forgeries_and_malformed(rs_broker, jwt_keys):
    exp = int(time.time()) + 300
    claims = {"iss": ISS_RSA, "exp": exp}
    forged = [
        unsigned_token({"alg": "none", "typ": "JWT"}, claims),                   # alg none
        unsigned_token({"alg": "None"}, claims),
        hs256_with_public_key(jwt_keys["rsa"][1], claims),                       # alg confusion
        token(jwt_keys["other_rsa"][0], "RS256", **claims),                      # another key
        token(jwt_keys["rsa"][0], "RS512", **claims),                            # other algorithm
        "abc", "a.b.c", "....", "%%%.%%%.%%%",                                   # malformed
    ]
    good = token(jwt_keys["rsa"][0], "RS256", **claims)
    head, payload, sig = good.split(".")
    other_payload = token(jwt_keys["rsa"][0], "RS256", iss=ISS_RSA, exp=exp + 1).split(".")[1]
    forged.append(f"{head}.{other_payload}.{sig}")                               # payload swapped
    for tok in forged:
        check_json(jwt_request(rs_broker, tok), 401, 103)
    check_json(jwt_request(rs_broker, good), 200, 0)


@pytest.mark.parametrize("headers", [
    {},                                    # no Authorization header
    {"Authorization": "Bearer"},           # no token
    {"Authorization": "Bearer "},
    {"Authorization": "Basic YWRtaW46cHVibGlj"},  # Basic, right credentials: wrong scheme
    {"Authorization": "Token abc"},
])
def test_jwt_missing_or_wrong_scheme(rs_broker, headers):
    r = jwt_request(rs_broker, headers=headers)
    check_json(r, 401, 104)
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="nanomq"'


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_jwt_scheme_case_insensitive(rs_broker, jwt_keys, scheme):
    tok = token(jwt_keys["rsa"][0], "RS256", iss=ISS_RSA, exp=int(time.time()) + 300)
    check_json(jwt_request(rs_broker, headers={"Authorization": f"{scheme} {tok}"}), 200, 0)


def test_jwt_checked_before_path_and_body(rs_broker, jwt_keys):
    expired = token(jwt_keys["rsa"][0], "RS256", iss=ISS_RSA, exp=int(time.time()) - 120)
    r = post(rs_broker, "x" * 3_000_000, path="/nope", auth=None, headers=bearer(expired))
    check_json(r, 401, 116)


@pytest.mark.parametrize("key,what", [
    ("missing", "cannot read"),
    ("private", "not a PEM public key"),
    ("p384", "P-256"),
    ("empty", "not set"),
])
def test_jwt_unusable_key_is_a_startup_error(tmp_path, jwt_keys, key, what):
    path = {"missing": tmp_path / "nope.pub", "private": jwt_keys["rsa"][0],
            "p384": jwt_keys["p384"][1], "empty": ""}[key]
    rc, out = start_failure(tmp_path, f'auth_type = jwt\n jwt.public.keyfile = "{path}"')
    assert rc != 0
    assert "http_server.jwt.public.keyfile" in out and what in out, out


# --- Envelope ------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["", "not json", "[1,2]", "1", '"text"', "null", '{"req":2,'])
def test_body_not_object(broker, body):
    j = check_json(post(broker, body), 400, 109)
    assert "seq" not in j and "rep" not in j


def test_missing_req_or_seq(broker):
    j = check_json(post(broker, {"seq": 7}), 400, 107)
    assert j["seq"] == 7 and "rep" not in j
    j = check_json(post(broker, {"req": 2}), 400, 107)
    assert j["rep"] == 2 and "seq" not in j
    j = check_json(post(broker, {}), 400, 107)
    assert "seq" not in j and "rep" not in j
    # Keys are case-sensitive.
    check_json(post(broker, {"REQ": 2, "Seq": 1}), 400, 107)


@pytest.mark.parametrize("bad", ["1.0", "2e0", "1e3", '"2"', "null", "true", "[2]", "{}"])
def test_req_not_integer(broker, bad):
    r = post(broker, '{"req":%s,"seq":5}' % bad)
    j = check_json(r, 400, 108)
    assert j["seq"] == 5 and "rep" not in j


@pytest.mark.parametrize("bad", ["1.0", "1e3", '"1"', "null", "18446744073709551616"])
def test_seq_not_integer(broker, bad):
    r = post(broker, '{"req":2,"seq":%s}' % bad)
    j = check_json(r, 400, 108)
    assert j["rep"] == 2 and "seq" not in j


def test_req_out_of_int64_range(broker):
    j = check_json(post(broker, '{"req":9223372036854775808,"seq":1}'), 400, 108)
    assert j["seq"] == 1


@pytest.mark.parametrize("req", [0, 1, 3, 6, 7, 8, 9, 14, 99, -1, I64_MAX])
def test_unknown_req(broker, req):
    r = post(broker, {"req": req, "seq": 3})
    assert r.text == '{"code":108,"seq":3,"rep":%d,"message":%s}' % (
        req, json.dumps(r.json()["message"], separators=(",", ":")))
    check_json(r, 404, 108)


@pytest.mark.parametrize("seq", [0, -1, 1, I64_MAX, 2**63, U64_MAX, -(2**63)])
def test_seq_echoed_exactly(broker, seq):
    r = post(broker, '{"req":2,"seq":%d}' % seq)
    check_json(r, 200, 0)
    assert r.text.startswith('{"code":0,"seq":%d,"rep":2,"data":{' % seq)
    # Error replies echo it exactly too.
    r = post(broker, '{"req":99,"seq":%d}' % seq)
    assert r.text.startswith('{"code":108,"seq":%d,"rep":99,"message":' % seq)


def test_success_key_order_and_compact(broker):
    r = post(broker, {"req": 2, "seq": 42})
    check_json(r, 200, 0)
    assert r.text == ('{"code":0,"seq":42,"rep":2,"data":{"client_size":0,"message_in":0,'
                      '"message_out":0,"message_drop":0}}')


def test_get_with_body_and_trailing_slash(broker):
    for method in ("GET", "POST"):
        for path in ("/api/v1", "/api/v1/"):
            check_json(post(broker, {"req": 2, "seq": 1}, path=path, method=method), 200, 0)


def test_extra_keys_ignored(broker):
    check_json(post(broker, {"seq": 1, "req": 2, "other": [1, 2]}), 200, 0)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_405(broker, method):
    r = post(broker, {"req": 2, "seq": 1}, method=method)
    j = check_json(r, 405, 102)
    assert r.headers["Allow"] == "GET, POST"
    assert set(j) == {"code", "message"}


@pytest.mark.parametrize("path", ["/", "/api", "/api/v2", "/api/v1/x", "/index.html"])
def test_other_paths_404(broker, path):
    j = check_json(post(broker, {"req": 2, "seq": 1}, path=path), 404, 102)
    assert set(j) == {"code", "message"}


def test_body_too_large_413(broker_factory):
    b = broker_factory(extra_conf="http_server.max_body = 1KB")
    body = json.dumps({"req": 2, "seq": 1, "pad": "x" * 2000})
    check_json(post(b, body), 413, 108)
    # Chunked: no Content-Length, the limit still holds.
    r = requests.post(url(b), data=iter([body[:600].encode(), body[600:].encode()]), auth=AUTH,
                      timeout=10)
    check_json(r, 413, 108)
    # At the limit is fine, and the server still answers afterwards.
    ok = json.dumps({"req": 2, "seq": 1, "pad": "x" * 900})
    assert len(ok) <= 1024
    check_json(post(b, ok), 200, 0)


def test_body_over_default_limit_413(broker):
    # Default max_body is 1MB; the response arrives intact although the body is never parsed.
    body = json.dumps({"req": 2, "seq": 1, "pad": "x" * (5 * 1024 * 1024)})
    check_json(post(broker, body), 413, 108)
    check_json(post(broker, {"req": 2, "seq": 1}), 200, 0)


def test_chunked_body_accepted(broker):
    r = requests.post(url(broker), data=iter([b'{"req":2,', b'"seq":9}']), auth=AUTH, timeout=10)
    assert check_json(r, 200, 0)["seq"] == 9


# --- Transport -----------------------------------------------------------------------------------

def test_keep_alive(broker):
    conn = http.client.HTTPConnection("127.0.0.1", broker.http_port, timeout=10)
    headers = {"Content-Type": "application/json", **basic("admin:public")}
    conn.connect()
    sock = conn.sock
    for seq in range(5):
        conn.request("POST", "/api/v1", body=json.dumps({"req": 2, "seq": seq}), headers=headers)
        r = conn.getresponse()
        assert r.status == 200
        assert json.loads(r.read())["seq"] == seq
        assert conn.sock is sock  # the same connection every time
    # Error replies keep the connection too (their body was read).
    conn.request("POST", "/api/v1", body="nope", headers=headers)
    r = conn.getresponse()
    assert r.status == 400
    r.read()
    assert conn.sock is sock
    # A 401 to a request without a body keeps the connection as well.
    conn.request("GET", "/api/v1")
    r = conn.getresponse()
    assert r.status == 401
    r.read()
    conn.request("POST", "/api/v1", body='{"req":2,"seq":77}', headers=headers)
    r = conn.getresponse()
    assert r.status == 200 and json.loads(r.read())["seq"] == 77
    assert conn.sock is sock
    conn.close()

    with requests.Session() as s:
        s.auth = AUTH
        for seq in range(10):
            r = s.post(url(broker), data=json.dumps({"req": 5, "seq": seq}), timeout=10)
            assert check_json(r, 200, 0)["seq"] == seq


def run_concurrently(broker, n, per_thread=3):
    errors = []

    def worker(i):
        try:
            with requests.Session() as s:
                s.auth = AUTH
                for k in range(per_thread):
                    seq = i * 1000 + k
                    req = (2, 4, 5, 13)[(i + k) % 4]
                    r = s.post(url(broker), data=json.dumps({"req": req, "seq": seq}), timeout=10)
                    j = r.json()
                    if r.status_code != 200 or j["seq"] != seq or j["rep"] != req:
                        errors.append((i, r.status_code, r.text))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append((i, repr(e)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors


def test_twenty_concurrent_clients(broker):
    run_concurrently(broker, 20)


def test_limit_conn_queues_instead_of_refusing(broker_factory):
    b = broker_factory(extra_conf="http_server.limit_conn = 1")
    run_concurrently(b, 20)


def test_stalled_client_does_not_block_others(broker):
    stalled = socket.create_connection(("127.0.0.1", broker.http_port))
    stalled.sendall(b"POST /api/v1 HTTP/1.1\r\nHost: x\r\n")  # header never finished
    try:
        start = time.time()
        check_json(post(broker, {"req": 2, "seq": 1}), 200, 0)
        assert time.time() - start < 2
    finally:
        stalled.close()


def test_shutdown_with_open_connections(broker):
    with requests.Session() as s:
        s.auth = AUTH
        check_json(s.post(url(broker), data='{"req":2,"seq":1}', timeout=10), 200, 0)
        stalled = socket.create_connection(("127.0.0.1", broker.http_port))
        stalled.sendall(b"POST /api/v1 HTTP/1.1\r\n")
        start = time.time()
        assert broker.stop() in (0, -15)
        assert time.time() - start < 5
        stalled.close()
    broker.start()  # the fixture expects a live broker at the end
    wait_port(broker.http_port, broker.proc)


# --- Requests ------------------------------------------------------------------------------------

def test_req2_counters(broker, clients):
    sub = clients(broker, client_id="sub", version=4)
    sub.subscribe("t/#", 1)
    pub = clients(broker, client_id="pub", version=4)
    for i in range(3):
        pub.publish("t/a", f"m{i}".encode(), qos=1)
    for _ in range(3):
        sub.expect()
    pub.publish("nobody/listens", b"x", qos=1)  # matches no subscriber: dropped
    expected = {"client_size": 1, "message_in": 4, "message_out": 3, "message_drop": 1}
    assert wait_for(lambda: api(broker, 2), expected) == expected


def test_req4_and_req5_sessions(broker, clients):
    off = clients(broker, client_id="c-offline", version=4, clean=False, keepalive=30)
    off.subscribe("x/y", 1)
    off.subscribe("x/#", 0)
    off.disconnect()
    on = clients(broker, client_id="b-online", version=5, username="alice", password="pw",
                 keepalive=45)
    on.subscribe("$share/g/s/t", 2)
    quiet = clients(broker, client_id="a-nosub", version=3, keepalive=20)
    on.publish("x/y", b"hello", qos=0)

    def subs():
        return api(broker, 4)

    expected4 = [
        {"client_id": "b-online", "subscriptions": [{"topic": "$share/g/s/t", "qos": 2}]},
        {"client_id": "c-offline", "subscriptions": [{"topic": "x/#", "qos": 0},
                                                     {"topic": "x/y", "qos": 1}]},
    ]
    got = wait_for(subs, expected4)
    for e in got:
        e["subscriptions"].sort(key=lambda s: s["topic"])
    assert got == expected4

    r = post(broker, {"req": 5, "seq": 1})
    check_json(r, 200, 0)
    data = r.json()["data"]
    assert [c["client_id"] for c in data] == ["a-nosub", "b-online", "c-offline"]
    for c in data:
        assert list(c) == ["client_id", "username", "keepalive", "protocol", "connect_status",
                           "message_receive"]
    by = {c["client_id"]: c for c in data}
    assert by["a-nosub"]["username"] == "" and by["a-nosub"]["protocol"] == 3
    assert by["a-nosub"]["keepalive"] == 20 and by["a-nosub"]["connect_status"] == 1
    assert by["b-online"]["username"] == "alice" and by["b-online"]["protocol"] == 5
    assert by["b-online"]["keepalive"] == 45 and by["b-online"]["connect_status"] == 1
    assert by["c-offline"]["protocol"] == 4 and by["c-offline"]["connect_status"] == 0
    assert by["c-offline"]["keepalive"] == 30
    assert by["a-nosub"]["message_receive"] == 0
    # The offline session's client got nothing while away (QoS 0 to an offline session).
    assert by["b-online"]["message_receive"] == 0
    # Raw text: keys in the documented order.
    assert '{"client_id":"a-nosub","username":"","keepalive":20,"protocol":3,' \
           '"connect_status":1,"message_receive":0}' in r.text
    quiet.disconnect()


def test_req4_req5_empty(broker):
    assert api(broker, 4) == []
    assert api(broker, 5) == []


def test_req5_message_receive(broker, clients):
    sub = clients(broker, client_id="rx", version=4)
    sub.subscribe("m/#", 0)
    pub = clients(broker, client_id="tx", version=4)
    for _ in range(4):
        pub.publish("m/1", b"x", qos=1)
    for _ in range(4):
        sub.expect()

    def rx():
        return {c["client_id"]: c["message_receive"] for c in api(broker, 5)}

    assert wait_for(rx, {"rx": 4, "tx": 0}) == {"rx": 4, "tx": 0}


def test_req13_empty_tree(broker):
    r = post(broker, {"req": 13, "seq": 1})
    assert r.text == '{"code":0,"seq":1,"rep":13,"data":[[{"topic":"","cld_cnt":0}]]}'


def test_req13_topic_tree(broker, clients):
    c1 = clients(broker, client_id="c1", version=4)
    c1.subscribe("a/b", 0)
    c2 = clients(broker, client_id="c2", version=4)
    c2.subscribe("a/+", 0)
    c2.subscribe("z", 1)
    c3 = clients(broker, client_id="c3", version=5)
    c3.subscribe("$share/g/a/b", 1)

    expected = [
        [{"topic": "", "cld_cnt": 2}],
        [{"topic": "a", "cld_cnt": 2}, {"topic": "z", "cld_cnt": 0, "client_id": ["c2"]}],
        [{"topic": "+", "cld_cnt": 0, "client_id": ["c2"]},
         {"topic": "b", "cld_cnt": 0, "client_id": ["c1", "c3"]}],
    ]

    def tree():
        data = api(broker, 13)
        for level in data:
            for node in level:
                if "client_id" in node:
                    node["client_id"].sort()
        return data

    assert wait_for(tree, expected) == expected
    r = post(broker, {"req": 13, "seq": 1})
    assert r.text.startswith('{"code":0,"seq":1,"rep":13,"data":[[{"topic":"","cld_cnt":2}],'
                             '[{"topic":"a","cld_cnt":2},{"topic":"z","cld_cnt":0,"client_id":')
