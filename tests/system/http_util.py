"""Helpers of the HTTP API tests (test_11, test_15): requests as curl would send them, checks of
the V1 envelope, and JWT keys made by `openssl` and tokens signed by the test itself (PyJWT,
Debian's python3-jwt; tokens no library would make, `alg: none` or HS256 keyed with the public
key, are built by hand)."""
import base64
import hashlib
import hmac
import json
import subprocess
import time

import jwt as pyjwt
import requests

AUTH = ("admin", "public")


def url(broker, path="/api/v1"):
    return f"http://127.0.0.1:{broker.http_port}{path}"


def post(broker, body, path="/api/v1", method="POST", auth=AUTH, headers=None, timeout=10):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.request(method, url(broker, path), data=data, auth=auth, headers=headers,
                            timeout=timeout)


def basic(raw: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def check_json(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert not r.text.endswith("\n")
    j = r.json()
    assert j["code"] == code, r.text
    if code != 0:
        assert isinstance(j["message"], str) and j["message"]
    return j


def api(broker, req, seq=1, **kwargs):
    r = post(broker, {"req": req, "seq": seq}, **kwargs)
    return check_json(r, 200, 0)["data"]


def wait_for(fn, expected, timeout=3.0):
    deadline = time.time() + timeout
    while True:
        got = fn()
        if got == expected or time.time() > deadline:
            return got
        time.sleep(0.05)


# --- JWT -----------------------------------------------------------------------------------------

def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def rsa_keys(folder, name="jwtRS256"):
    """(private PEM path, public PEM path) of a fresh RSA 2048 key made by openssl."""
    private, public = folder / f"{name}.key", folder / f"{name}.key.pub"
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(private))
    openssl("pkey", "-in", str(private), "-pubout", "-out", str(public))
    return private, public


def ec_keys(folder, name="jwtES256", curve="prime256v1"):
    private, public = folder / f"{name}.key", folder / f"{name}.key.pub"
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:{curve}", "-out",
            str(private))
    openssl("pkey", "-in", str(private), "-pubout", "-out", str(public))
    return private, public


def token(private_key_path, alg="RS256", **claims):
    """A JWT signed with the private key; claims given as None are left out."""
    payload = {k: v for k, v in claims.items() if v is not None}
    return pyjwt.encode(payload, private_key_path.read_text(), algorithm=alg)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(header, claims, signature=b""):
    h = b64url(json.dumps(header).encode())
    p = b64url(json.dumps(claims).encode())
    return f"{h}.{p}.{b64url(signature)}"


def hs256_with_public_key(public_key_path, claims):
    """The classic algorithm-confusion forgery: HS256 keyed with the public key's PEM text."""
    h = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    p = b64url(json.dumps(claims).encode())
    mac = hmac.new(public_key_path.read_bytes(), f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64url(mac)}"
