"""The `nanomq` command line as an operator uses it: start/stop/restart, the daemon, the PID
file, NanoMQ's older key=value format, NanoMQ's own sample files, and the precedence
defaults < file < environment < command line."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import NMQ_BIN, free_port, wait_port

pytestmark = pytest.mark.nmq_only
SHARED = Path(os.environ.get("NMQ_SHARED", Path(__file__).resolve().parents[3] / "shared"))
REFERENCE = SHARED / "reference" / "nanomq-etc"


def hocon(port, extra=""):
    return f'listeners.tcp {{ bind = "127.0.0.1:{port}" }}\nlog {{ to = [console], level = info }}\n{extra}'


def run(args, env=None, timeout=15):
    return subprocess.run([NMQ_BIN] + args, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def listening(port):
    import socket
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def gone(pid):
    """True when `pid` has exited (a zombie not yet reaped by its parent counts as exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2] == "Z"


def wait_closed(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline and listening(port):
        time.sleep(0.05)
    return not listening(port)


@pytest.fixture
def pid_file(tmp_path):
    path = tmp_path / "nanomq.pid"
    yield path
    # Never leave a daemon behind, whatever state the test ended in.
    try:
        pid = int(path.read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError, IndexError):
        pass
    subprocess.run(["pkill", "-KILL", "-f", str(path)], check=False)


def test_stop_ends_a_foreground_broker_gracefully(tmp_path, pid_file):
    port = free_port()
    conf = tmp_path / "a.conf"
    conf.write_text(hocon(port))
    proc = subprocess.Popen([NMQ_BIN, "start", "--conf", str(conf), "--pid_file", str(pid_file)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        assert int(pid_file.read_text()) == proc.pid
        r = run(["stop", "--pid_file", str(pid_file)])
        assert r.returncode == 0, r.stderr
        assert proc.wait(timeout=10) == 0
        assert not pid_file.exists()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_stop_without_a_running_broker_says_so(tmp_path):
    r = run(["stop", "--pid_file", str(tmp_path / "none.pid")])
    assert r.returncode == 1
    assert "no running broker" in r.stderr


def test_daemon_detaches_and_restart_replaces_it(tmp_path, pid_file):
    port = free_port()
    conf = tmp_path / "d.conf"
    conf.write_text(hocon(port))
    r = run(["start", "-d", "--conf", str(conf), "--pid_file", str(pid_file)])
    assert r.returncode == 0, r.stderr
    deadline = time.time() + 10
    while time.time() < deadline and not (pid_file.exists() and listening(port)):
        time.sleep(0.05)
    first = int(pid_file.read_text())
    assert listening(port)
    # restart in the background again: the first daemon stops, a new one serves.
    r = run(["restart", "-d", "--conf", str(conf), "--pid_file", str(pid_file)])
    assert r.returncode == 0, r.stderr
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            if int(pid_file.read_text()) != first and listening(port):
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    second = int(pid_file.read_text())
    assert second != first
    assert gone(first)
    assert run(["stop", "--pid_file", str(pid_file)]).returncode == 0
    assert wait_closed(port)


def test_old_key_value_format(tmp_path, pid_file):
    port = free_port()
    conf = tmp_path / "old.conf"
    conf.write_text(f"url = nmq-tcp://127.0.0.1:{port}\nmsq_len=64\nhttp_server.enable=false\n")
    proc = subprocess.Popen([NMQ_BIN, "start", "--old_conf", str(conf), "--pid_file", str(pid_file)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_environment_beats_the_file_and_the_command_line_beats_both(tmp_path, pid_file):
    file_port, env_port, cli_port = free_port(), free_port(), free_port()
    conf = tmp_path / "p.conf"
    conf.write_text(hocon(file_port))
    env = {"NANOMQ_BROKER_URL": f"nmq-tcp://127.0.0.1:{env_port}"}
    proc = subprocess.Popen([NMQ_BIN, "start", "--conf", str(conf), "--pid_file", str(pid_file)],
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_port(env_port, proc)
        assert not listening(file_port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    proc = subprocess.Popen([NMQ_BIN, "start", "--conf", str(conf), "--pid_file", str(pid_file),
                             "--url", f"nmq-tcp://127.0.0.1:{cli_port}"],
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_port(cli_port, proc)
        assert not listening(env_port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_bad_configuration_names_file_line_and_key(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text('mqtt {\n  max_packet_size = big\n}\n')
    r = run(["start", "--conf", str(conf)])
    assert r.returncode == 2
    assert "bad.conf:2:" in r.stderr and "mqtt.max_packet_size" in r.stderr, r.stderr


def test_bad_environment_value_names_the_variable(tmp_path):
    conf = tmp_path / "e.conf"
    conf.write_text(hocon(free_port()))
    r = run(["start", "--conf", str(conf)], env={"NANOMQ_MSQ_LEN": "lots"})
    assert r.returncode == 2
    assert "NANOMQ_MSQ_LEN" in r.stderr, r.stderr


# Files a sample needs to start, outside the reference directory.
SAMPLE_NEEDS = {"nanomq_example.conf": ["/etc/nanomq_pwd.conf", "/etc/nanomq_acl.conf"]}


@pytest.mark.parametrize("name,flag", [
    ("nanomq.conf", "--conf"),
    ("nanomq_example.conf", "--conf"),
    ("nanomq_bridge.conf", "--conf"),
    ("nanomq_old.conf", "--old_conf"),
    ("v0.8.0-nanomq.conf", "--old_conf"),
])
def test_nanomqs_own_sample_files_start_the_broker(tmp_path, pid_file, name, flag):
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    port = free_port()
    # The samples bind 0.0.0.0:1883 and 8081: the environment moves the listener, and the
    # HTTP server is switched off, so the test cannot collide with anything.
    env = {"NANOMQ_BROKER_URL": f"nmq-tcp://127.0.0.1:{port}", "NANOMQ_HTTP_SERVER_ENABLE": "false"}
    # nanomq_example.conf includes the password and ACL files from /etc, as NanoMQ's packages
    # install them. Without them the broker must refuse to start (fail closed), naming the file.
    needs = [f for f in SAMPLE_NEEDS.get(name, []) if not Path(f).exists()]
    if needs:
        r = subprocess.run([NMQ_BIN, "start", flag, str(path), "--pid_file", str(pid_file)],
                           env={**os.environ, **env}, capture_output=True, text=True, timeout=20)
        assert r.returncode == 2, r.stderr
        assert any(f in r.stderr for f in needs), r.stderr
        return
    proc = subprocess.Popen([NMQ_BIN, "start", flag, str(path), "--pid_file", str(pid_file)],
                            env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        wait_port(port, proc)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0, out


def connack_code(port, username=None):
    """Connects with MQTT 3.1.1 and returns the CONNACK return code."""
    import paho.mqtt.client as mqtt
    import queue
    got = queue.Queue()
    c = mqtt.Client(client_id=f"reload-{time.time_ns()}", protocol=mqtt.MQTTv311)
    if username:
        c.username_pw_set(username, "x")
    c.on_connect = lambda cl, u, f, rc: got.put(rc)
    c.connect("127.0.0.1", port)
    c.loop_start()
    try:
        return got.get(timeout=5), c
    except Exception:
        c.loop_stop()
        raise


def test_reload_applies_live_keys_without_dropping_connections(tmp_path, pid_file):
    port = free_port()
    conf = tmp_path / "r.conf"
    conf.write_text(hocon(port, "auth { allow_anonymous = true }\n"))
    proc = subprocess.Popen([NMQ_BIN, "start", "--conf", str(conf), "--pid_file", str(pid_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_port(port, proc)
        rc, kept = connack_code(port)
        assert rc == 0
        conf.write_text(hocon(port, "auth { allow_anonymous = false }\n"))
        r = run(["reload", "--pid_file", str(pid_file)])
        assert r.returncode == 0, r.stderr
        deadline = time.time() + 5
        rc = 0
        while time.time() < deadline:
            rc, c = connack_code(port)
            c.disconnect()
            c.loop_stop()
            if rc != 0:
                break
            time.sleep(0.1)
        assert rc == 5, "anonymous clients still accepted after reload"  # not authorized
        assert kept.is_connected(), "reload dropped an existing connection"
        kept.disconnect()
        kept.loop_stop()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "auth settings applied" in out


def test_reload_with_a_bad_file_is_refused_and_changes_nothing(tmp_path, pid_file):
    port = free_port()
    conf = tmp_path / "r.conf"
    conf.write_text(hocon(port))
    proc = subprocess.Popen([NMQ_BIN, "start", "--conf", str(conf), "--pid_file", str(pid_file)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        conf.write_text(hocon(port, "mqtt { max_mqueue_len = none }\n"))
        r = run(["reload", "--pid_file", str(pid_file)])
        assert r.returncode == 2
        assert "r.conf:" in r.stderr and "mqtt.max_mqueue_len" in r.stderr, r.stderr
        # A SIGHUP that reaches the broker anyway is refused by it too, and it keeps serving.
        os.kill(proc.pid, signal.SIGHUP)
        time.sleep(0.3)
        assert proc.poll() is None
        rc, c = connack_code(port)
        assert rc == 0
        c.disconnect()
        c.loop_stop()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
