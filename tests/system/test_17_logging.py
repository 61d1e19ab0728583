"""The `log` section: console, a rotating file and syslog, NanoMQ's keys, checked by starting
the broker and reading what it wrote."""
import subprocess

import pytest

from conftest import NMQ_BIN, free_port
from util_part1 import wait_for

pytestmark = pytest.mark.nmq_only


def log_conf(tmp_path, to="[file]", level="info", size="1KB", count=2):
    return f"""log {{
    to = {to}
    level = {level}
    dir = "{tmp_path}"
    file = "broker-file.log"
    rotation {{
        size = {size}
        count = {count}
    }}
}}
"""


def test_file_sink_writes_time_level_and_module(broker_factory, tmp_path, clients):
    b = broker_factory(extra_conf=log_conf(tmp_path, size="10MB"))
    c = clients(b, "log-me")
    c.disconnect()
    path = tmp_path / "broker-file.log"
    assert wait_for(lambda: path.exists() and "[app]" in path.read_text())
    text = path.read_text()
    line = next(l for l in text.splitlines() if "[app]" in l)
    # "2026-11-30 03:12:45.123 info  [app] ..."
    date, clock, level = line.split()[:3]
    assert len(date) == 10 and date[4] == "-" and clock.count(":") == 2
    assert level in ("info", "warn", "error")
    # to = [file] only: the console stays quiet.
    assert "[app]" not in b.log_text()


def test_file_sink_rotates_and_keeps_count_files(broker_factory, tmp_path, clients):
    b = broker_factory(extra_conf=log_conf(tmp_path, level="debug", size="1KB", count=2))
    for i in range(40):  # each connect and disconnect logs at debug/info
        c = clients(b, f"rotate-{i}")
        c.disconnect()
    assert wait_for(lambda: (tmp_path / "broker-file.1.log").exists())
    logs = sorted(p.name for p in tmp_path.glob("broker-file*.log"))
    assert logs == ["broker-file.1.log", "broker-file.2.log", "broker-file.log"], logs
    for name in logs:
        assert (tmp_path / name).stat().st_size <= 2048


def test_console_and_file_together(broker_factory, tmp_path):
    b = broker_factory(extra_conf=log_conf(tmp_path, to="[file, console]", size="10MB"))
    assert wait_for(lambda: "[app]" in b.log_text())
    assert "[app]" in (tmp_path / "broker-file.log").read_text()


def test_syslog_sink_starts(broker_factory, tmp_path, clients):
    """Without a syslog daemon the lines are lost, but the broker runs."""
    b = broker_factory(extra_conf=log_conf(tmp_path, to="[syslog]"))
    c = clients(b, "syslog-client")
    c.publish("t", b"x", qos=1)
    assert b.alive()


def test_unwritable_log_directory_stops_start_up(tmp_path):
    port = free_port()
    conf = tmp_path / "bad-log.conf"
    (tmp_path / "not-a-dir").write_text("a file where the log directory should be")
    conf.write_text(f'listeners.tcp.bind = "127.0.0.1:{port}"\n'
                    f'log {{\n to = [file]\n dir = "{tmp_path}/not-a-dir/logs"\n}}\n')
    r = subprocess.run([NMQ_BIN, "start", "--conf", str(conf)], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 2
    assert f"{tmp_path}/not-a-dir/logs/nanomq.log" in r.stderr, r.stderr


def test_level_change_on_reload(broker_factory, tmp_path, clients):
    import signal
    b = broker_factory(extra_conf=log_conf(tmp_path, to="[file]", level="warn", size="10MB"))
    path = tmp_path / "broker-file.log"
    c = clients(b, "quiet-client")
    c.disconnect()
    b.conf_path.write_text(b.conf_path.read_text().replace("level = warn", "level = debug"))
    b.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: path.exists() and "reload" in path.read_text())
    c2 = clients(b, "loud-client")
    c2.disconnect()
    assert wait_for(lambda: "loud-client" in path.read_text())
    assert "quiet-client" not in path.read_text()
