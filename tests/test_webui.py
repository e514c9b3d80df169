"""The WebUI app end to end: started by start_app.sh, called through gradio_client like a user's script."""

from __future__ import annotations

import concurrent.futures
import http.client
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from conftest import SHARED_APP_MAX_WAIT_S, speech_checks
from gradio_client.exceptions import AppError
from gradio_client.utils import QueueError, Status

from index_tts.interface.ui.controls import PAGE_FIELDS
from testkit.app_process import ROOT, app_env, free_port, get_json, process_alive, start_app

LONG_TEXT = "人工智能正在改变我们的生活方式。从清晨的语音助手到夜晚的智能家居，它已经悄悄走进了每一个角落。"


def test_the_app_bounds_the_expected_wait_at_30_s_unless_told_otherwise() -> None:
    from index_tts.interface.launch import read_settings

    assert read_settings([]).max_wait == 30.0  # README and --help say 30 s
    assert read_settings(["--max-wait", "600"]).max_wait == 600.0


def test_health_reports_a_warm_model(webui) -> None:
    report = get_json(f"{webui.url}/health")
    assert report["status"] == "ok" and report["engine"] == "kokoro"
    assert report["model_version"] and "jf_alpha" in report["voices"]
    # the voices' pitch and the render speed measured before the port opened; the voice profiles were shipped
    page_events = {"page_events"} if importlib.util.find_spec("matplotlib") else set()  # see launch.warm_page_events
    assert set(report["warm_up_seconds"]) == {"voice_registers", "render_speed", *page_events}
    assert report["render_speed"]["renders"] >= 2 and report["backlog"]["max_wait_s"] == SHARED_APP_MAX_WAIT_S
    assert report["load_seconds"]["engine"] > 0 and report["load_seconds"]["frontend_zh"] > 0
    assert report["queue_depth"] == 0 and report["uptime_seconds"] > 0
    deadline = time.monotonic() + 10
    while "serving on" not in webui.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = webui.log()
    assert log.index("warm-up render_speed") < log.index("serving on")  # the port opened only after warm-up


def test_a_result_from_the_cache_says_so_instead_of_a_synthesis_time(client) -> None:
    serial = time.time_ns() % 10**7
    text = f"第{serial}号观众，您是第{serial + 1}位。"  # both segments new: rendered the first time
    _, first = client.predict(text, api_name="/synthesize")
    _, again = client.predict(text, api_name="/synthesize")  # the same settings: every segment from the cache
    assert "RTF" in first and "来自缓存" not in first.splitlines()[0]
    assert again.splitlines()[0].startswith("音频") and "来自缓存（此前合成过，未重新合成）" in again.splitlines()[0]
    assert "RTF" not in again and "合成耗时" not in again, again


def test_synthesize_with_text_only(client) -> None:
    text = f"您好，第{time.time_ns() % 10**4}位。"  # most likely new: rendered, not from the cache
    path, info = client.predict(text, api_name="/synthesize")
    assert path.endswith(".wav")
    speech_checks(path, 1.0, 6.0)
    assert re.search(r"RTF \d+\.\d{3}", info) and re.search(r"· [1-3] 段", info)


def test_named_parameters_reach_the_engine(client) -> None:
    text = "Speech synthesis has come a long way in a few years."
    normal, _ = client.predict(text, api_name="/synthesize")
    fast, _ = client.predict(text, speed=1.6, voice="jm_kumo", text_language="en", api_name="/synthesize")
    a, b = speech_checks(normal, 1.5, 10.0), speech_checks(fast, 0.8, 8.0)
    assert len(b) < 0.8 * len(a)  # faster speech is shorter


def test_emotion_modes_are_accepted(client) -> None:
    path, _ = client.predict("今天天气真好！", emotion_mode="vector", happy=0.9, surprised=0.4, api_name="/synthesize")
    speech_checks(path, 0.5, 5.0)
    path, _ = client.predict("今天天气真好！", emotion_mode="text", emotion_text="开心", api_name="/synthesize")
    speech_checks(path, 0.5, 5.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "“文本”框是空的"),
        ({"text": "🎉🎉🎉"}, "没有可以朗读的内容"),
        ({"text": "你好", "voice": "nobody"}, "没有名为“nobody”的音色：请从“音色”列表里选一个"),
        ({"text": "你好", "speed": 5.0}, "greater than maximum value 2.0"),
        ({"text": "你好", "emotion_mode": "audio"}, "需要一段音频：请在“情感参考音频”里上传或录制"),
        ({"text": "你好", "emotion_mode": "sideways"}, "sideways.* is not in the list of choices"),
    ],
)
def test_bad_input_gets_a_clear_error_and_the_server_keeps_serving(client, webui, kwargs, message) -> None:
    text = kwargs.pop("text")
    with pytest.raises(AppError, match=message):  # said in the page's language (the app's --lang: zh)
        client.predict(text, api_name="/synthesize", **kwargs)
    assert get_json(f"{webui.url}/health")["status"] == "ok"


def test_full_queue_says_busy_and_nothing_is_lost_silently(client) -> None:
    base = time.time_ns() % 10**9  # fresh seeds: no segment of these requests is in the cache
    jobs = [client.submit(LONG_TEXT, seed=base + i, api_name="/synthesize") for i in range(2)]
    # the next four are sent once the first two run: sent at once, a request that has not started yet
    # still counts as waiting, and a busy machine then tells the fourth to try again instead of the fifth
    started = time.monotonic()
    running = {Status.PROCESSING, Status.PROGRESS, Status.ITERATING, Status.LOG}
    while any(job.status().code not in running for job in jobs) and time.monotonic() - started < 60:
        time.sleep(0.05)
    jobs += [client.submit(LONG_TEXT, seed=base + i, api_name="/synthesize") for i in range(2, 6)]
    done, busy = 0, 0
    for job in jobs:
        try:
            path, _ = job.result(timeout=180)
            speech_checks(path, 4.0, 20.0)
            done += 1
        except QueueError as exc:
            assert "try again" in str(exc).lower()
            busy += 1
    # two run (--max-active 2), two may wait (--max-queue 2); every other request is told to try again
    assert done >= 4 and busy >= 1 and done + busy == 6


def test_page_and_api_info_are_served(webui) -> None:
    import urllib.request

    with urllib.request.urlopen(webui.url, timeout=10) as response:
        page = response.read().decode()
    assert response.status == 200 and "IndexTTS" in page
    info = get_json(f"{webui.url}/gradio_api/info")
    params = [p["parameter_name"] for p in info["named_endpoints"]["/synthesize"]["parameters"]]
    # the API's parameters are the page's controls, as declared once (the page's language is not one)
    assert params == [name for name in PAGE_FIELDS if name != "ui_lang"]


# -- process management: these start their own instances ------------------------------------------


def test_stale_instance_is_replaced_then_stopped_and_share_offline_is_one_line(tmp_path) -> None:
    from gradio_client import Client

    first = start_app(tmp_path, "--auth", "demo:s3cret-pass")
    try:
        first.wait_healthy()  # /health stays open for monitoring
        old_pid = first.pid
        assert old_pid and process_alive(old_pid)
        # --auth: the page and its API need the password
        with pytest.raises(Exception, match=r"(?i)login|auth|401|403"):
            Client(first.url, analytics_enabled=False, verbose=False).predict("你好", api_name="/synthesize")
        authed = Client(first.url, auth=("demo", "s3cret-pass"), analytics_enabled=False, verbose=False)
        speech_checks(authed.predict("你好，朋友。", api_name="/synthesize")[0], 0.5, 5.0)
        assert "s3cret-pass" not in first.log()
        # requests in flight must not keep the old instance from stopping (no SIGKILL needed)
        busy = [threading.Thread(target=_long_request, args=(first.url, i), daemon=True) for i in range(4)]
        for thread in busy:
            thread.start()
        time.sleep(1.0)
        second = start_app(tmp_path, "--share", "--allow-no-auth")  # same run folder: it must stop the first one
        try:
            second.wait_healthy(timeout=120)
            assert not process_alive(old_pid), "the stale instance is still running"
            assert second.pid and second.pid != old_pid and process_alive(second.pid)
            assert f"stopping webui.py (PID {old_pid})" in second.log()
            assert "SIGKILL" not in second.log(), "the old instance needed SIGKILL to stop"
            deadline = time.monotonic() + 10
            outcome = ("no internet", "Public URL")  # after it, a warning that the link has no password may come first
            while not any(word in second.log() for word in outcome) and time.monotonic() < deadline:
                time.sleep(0.2)
            share_lines = [line for line in second.log().splitlines() if "share:" in line]
            assert any(word in line for line in share_lines for word in outcome), share_lines
            assert "Traceback" not in second.log()
        finally:
            new_pid = second.pid
            second.stop()
        assert new_pid and not process_alive(new_pid)
        assert not (tmp_path / "webui.pid").exists()
    finally:
        first.stop()


def _long_request(url: str, serial: int) -> None:
    body = {"input": f"第{serial}个很长的请求。" + LONG_TEXT * 3, "response_format": "pcm", "stream": True, "seed": serial}
    request = urllib.request.Request(f"{url}/v1/audio/speech", json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
    except (OSError, http.client.HTTPException):
        pass  # the server went away mid-request, which is the point


def test_taken_port_is_a_one_line_error(tmp_path) -> None:
    import socket

    port = free_port()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        started = time.monotonic()
        proc = subprocess.run(
            [str(ROOT / "start_app.sh"), "--port", str(port)],
            cwd=ROOT,
            env=app_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode != 0
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("error:")]
    assert errors == [f"error: port {port} on 127.0.0.1 is already in use: stop the other program or pass --port N"]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert time.monotonic() - started < 60  # fails before loading the model
    assert not (tmp_path / "webui.pid").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--share"], "--share makes a public link; protect it with --auth USER:PASS"),
        (["--host", "0.0.0.0"], "--host 0.0.0.0 lets other machines in; protect the app with --auth USER:PASS"),
        (["--host=192.168.1.20", "--lang", "en"], "--host 192.168.1.20 lets other machines in"),
    ],
)
def test_exposure_without_a_password_is_refused(tmp_path, flags, message) -> None:
    """Refused before anything else: a running instance is left alone and no PID file appears."""
    bystander = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "webui.pid").write_text(f"{bystander.pid}\n")
        proc = subprocess.run(
            [str(ROOT / "start_app.sh"), *flags], cwd=ROOT, env=app_env(tmp_path), capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
        assert (tmp_path / "webui.pid").read_text().strip() == str(bystander.pid)  # untouched
        direct = subprocess.run(
            [sys.executable, str(ROOT / "webui.py"), *flags],
            cwd=ROOT,
            env=app_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert direct.returncode == 2 and message in direct.stderr and "Traceback" not in direct.stderr
    finally:
        bystander.kill()
        bystander.wait()


def test_after_kill_9_start_app_starts_cleanly(tmp_path) -> None:
    """A power cut or ``kill -9``: the PID file stays behind, and so may a half-written file.
    The next ``./start_app.sh`` must start normally, clear both, and serve."""
    first = start_app(tmp_path, "--no-cache")
    half_written = ROOT / "outputs" / ".tts_killed_mid_write.wav.x1y2.tmp"
    try:
        first.wait_healthy()
        old_pid = first.pid
        assert old_pid
        half_written.parent.mkdir(exist_ok=True)
        half_written.write_bytes(b"RIFF....")
        an_hour_ago = time.time() - 3600
        os.utime(half_written, (an_hour_ago, an_hour_ago))
        os.kill(old_pid, signal.SIGKILL)
        first.proc.wait(timeout=15)
        assert not process_alive(old_pid) and (tmp_path / "webui.pid").exists()  # stale PID file left behind
        second = start_app(tmp_path, "--no-cache")
        try:
            second.wait_healthy()
            assert f"removing stale {tmp_path / 'webui.pid'} (PID {old_pid}" in second.log()
            assert second.pid and second.pid != old_pid
            assert not half_written.exists(), "a temp file of the killed process was left in outputs/"
            speech_checks(_api_wav(second.url, "断电之后，重新启动也没问题。", tmp_path / "after.wav"), 1.0, 8.0)
            assert "Traceback" not in second.log()
        finally:
            second.stop()
        assert not (tmp_path / "webui.pid").exists()
    finally:
        half_written.unlink(missing_ok=True)
        first.stop()


def test_stop_never_kills_a_process_that_is_not_our_webui(tmp_path) -> None:
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        (tmp_path / "webui.pid").write_text(f"{stranger.pid}\n")
        proc = subprocess.run([str(ROOT / "start_app.sh"), "--stop"], env=app_env(tmp_path), capture_output=True, text=True)
        assert proc.returncode == 0 and "stale" in proc.stdout
        assert stranger.poll() is None, "start_app.sh --stop killed a process that is not webui.py"
        assert not (tmp_path / "webui.pid").exists()
    finally:
        stranger.kill()
        stranger.wait()


def test_concurrent_clients_all_get_audio(client) -> None:
    texts = ["第一位观众你好。", "Hello from the second visitor.", "第三位观众，欢迎光临！"]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        paths = list(pool.map(lambda t: client.predict(t, api_name="/synthesize")[0], texts))
    assert len(set(paths)) == 3
    for path in paths:
        speech_checks(path, 0.5, 6.0)


def test_server_writes_nothing_outside_the_app_folder(client, webui) -> None:
    path, _ = client.predict("离线运行，不写别处。", api_name="/synthesize")
    speech_checks(path, 0.5, 6.0)
    assert list((webui.run_dir / "home").rglob("*")) == [], "the server wrote into HOME"
    # the one exception: phonemizer loads a private copy of libespeak-ng from a temp folder, removed at exit
    # (checked when the fixture stops the app); a copy on the app's own drive could sit on a noexec USB mount
    others = [p for p in (webui.run_dir / "tmp").rglob("*") if p.is_file() and p.name != "libespeak-ng.so"]
    assert others == [], f"the server wrote into TMPDIR: {others}"


def test_reference_clips_through_the_page(client, webui, synthesizer, tmp_path) -> None:
    """A voice reference gives an approximate match (said in the info); a broken emotion clip a clear error."""
    import soundfile as sf
    from gradio_client import handle_file

    from index_tts.engines.base import SynthParams
    from index_tts.prosody.controls import Prosody

    clip = synthesizer.synthesize(
        "今天的风有点大，我们早点回家吧。", SynthParams("jm_kumo", prosody=Prosody(pitch_shift=2)), "zh"
    )
    sf.write(tmp_path / "voice.wav", clip.audio, clip.sample_rate)
    path, info = client.predict(
        "你好，欢迎来到展览馆。", reference_audio=handle_file(str(tmp_path / "voice.wav")), api_name="/synthesize"
    )
    speech_checks(path, 0.5, 5.0)
    assert "音色匹配：最接近的是 jm_kumo" in info
    _, info = client.predict("你好，欢迎来到展览馆。", voice="zf_xiaoxiao", pitch=10, api_name="/synthesize")
    assert "zf_xiaoxiao 的音高到不了 +10.0 半音：实际约" in info  # in the page's language
    (tmp_path / "broken.wav").write_bytes(b"RIFF....WAVEfmt " + bytes(200))
    with pytest.raises(AppError, match=r"情感参考音频(无法读取为音频|是静音的)"):
        client.predict(
            "你好", emotion_mode="audio", emotion_audio=handle_file(str(tmp_path / "broken.wav")), api_name="/synthesize"
        )
    assert get_json(f"{webui.url}/health")["status"] == "ok"


def test_a_burst_of_api_requests_is_answered_and_the_server_recovers(webui, tmp_path) -> None:
    """150 requests at once against 2 workers and a queue of 2: each gets audio or an immediate 'busy'."""

    def call(serial: int) -> tuple[int, str | None, float]:
        body = {"text": f"第{serial}位观众，你好。", "seed": serial}
        request = urllib.request.Request(f"{webui.url}/api/tts", json.dumps(body).encode(), {"Content-Type": "application/json"})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
                return response.status, None, time.monotonic() - started
        except urllib.error.HTTPError as exc:
            payload = json.loads(exc.read())
            return exc.code, exc.headers.get("Retry-After") if payload["error"]["type"] == "server_busy" else "?", 0.0

    with concurrent.futures.ThreadPoolExecutor(150) as pool:
        answers = list(pool.map(call, range(150)))
    statuses = sorted({status for status, _, _ in answers})
    assert set(statuses) <= {200, 503} and 200 in statuses and 503 in statuses, statuses
    # Retry-After is computed from the backlog, a whole number of seconds
    assert all(retry is not None and retry.isdigit() and int(retry) >= 1 for status, retry, _ in answers if status == 503)
    assert get_json(f"{webui.url}/health")["status"] == "ok"
    started = time.monotonic()
    speech_checks(_api_wav(webui.url, "人群散去之后，服务依然正常。", tmp_path / "after.wav"), 0.5, 6.0)
    print(f"after the burst: {sum(s == 200 for s, _, _ in answers)} served, a new request took {time.monotonic() - started:.2f}s")


def _api_wav(url: str, text: str, path) -> str:
    request = urllib.request.Request(f"{url}/api/tts", json.dumps({"text": text}).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        path.write_bytes(response.read())
    return str(path)


def test_the_server_runs_with_few_malloc_arenas(webui) -> None:
    """start_app.sh caps glibc's malloc arenas (one per thread otherwise), which keeps the server's memory down."""
    with open(f"/proc/{webui.pid}/environ", "rb") as f:
        environ = dict(item.split("=", 1) for item in f.read().decode().split("\0") if "=" in item)
    assert environ.get("MALLOC_ARENA_MAX") == os.environ.get("MALLOC_ARENA_MAX", "2")


def test_no_cross_origin_access_and_no_monitoring_page(webui) -> None:
    """Another web site must not be able to drive the app from a visitor's browser; Gradio's /monitoring is not served."""
    evil = "http://evil.example"
    for method, path in [("GET", "/health"), ("GET", "/v1/audio/voices"), ("GET", "/config"), ("OPTIONS", "/api/tts")]:
        headers = {"Origin": evil, "Access-Control-Request-Method": "POST"}
        request = urllib.request.Request(f"{webui.url}{path}", method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                allowed = response.headers.get("Access-Control-Allow-Origin")
        except urllib.error.HTTPError as exc:
            allowed = exc.headers.get("Access-Control-Allow-Origin")
        assert allowed not in (evil, "*"), (path, allowed)
    for path in ("/monitoring", "/monitoring/summary"):
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{webui.url}{path}", timeout=10)
        assert denied.value.code in (401, 403, 404), path


def test_the_api_schema_is_served_without_docs_pages(webui) -> None:
    """Clients and fuzzers read /openapi.json; the docs pages would load scripts from a CDN, so they are off."""
    with urllib.request.urlopen(f"{webui.url}/openapi.json", timeout=10) as response:
        schema = json.loads(response.read())
    assert {"/api/tts", "/v1/audio/speech", "/v1/audio/voices", "/health"} <= set(schema["paths"])
    assert "400" in schema["paths"]["/api/tts"]["post"]["responses"]
    for path in ("/docs", "/redoc"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{webui.url}{path}", timeout=10)
        assert missing.value.code == 404, path


def test_uploads_over_the_size_limit_are_refused(client, tmp_path) -> None:
    from gradio_client import handle_file

    from index_tts.voice.reference_audio import MAX_BYTES

    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * (MAX_BYTES + 1024))
    with pytest.raises(Exception, match=r"(?i)size|large|413"):
        client.predict("你好", reference_audio=handle_file(str(big)), api_name="/synthesize")


def _stop_with_a_request_inside(app, text: str) -> dict:
    """POST ``text`` to /api/tts, send SIGTERM once /health counts it active, and return what the client got
    (``status``, and ``audio`` or the JSON error ``body``); waits up to 15 s more for the process to exit."""
    pid = app.pid
    result: dict = {}

    def post() -> None:
        body = json.dumps({"text": text, "seed": 7}).encode()
        request = urllib.request.Request(f"{app.url}/api/tts", body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                result["status"], result["audio"] = response.status, response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                result["status"], result["body"] = exc.code, json.loads(raw)
            except ValueError:  # uvicorn's own 500 is plain text
                result["status"], result["body"] = exc.code, raw.decode(errors="replace")

    worker = threading.Thread(target=post)
    worker.start()
    deadline = time.monotonic() + 10
    while get_json(f"{app.url}/health")["active_requests"] < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(pid, signal.SIGTERM)
    worker.join(timeout=30)
    deadline = time.monotonic() + 15
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    result["exited"] = not process_alive(pid)
    return result


def test_sigterm_lets_a_request_in_flight_finish(tmp_path) -> None:
    """Stopping the app while a request is being synthesized: it still gets its whole audio, then the app exits."""
    # One sentence (about 2 s to render here) against the longest drain (9 s): the margin holds on a loaded
    # machine. The signal is sent once /health counts the request as active, so it is surely in flight.
    app = start_app(tmp_path, "--shutdown-timeout", "9", "--no-cache")
    try:
        app.wait_healthy()
        result = _stop_with_a_request_inside(app, "人工智能正在改变我们的生活方式。")
        assert result.get("status") == 200, app.log()[-2000:]
        (tmp_path / "drained.wav").write_bytes(result["audio"])
        speech_checks(str(tmp_path / "drained.wav"), 2.0, 10.0)
        assert result["exited"] and not (tmp_path / "webui.pid").exists()
    finally:
        app.stop()


def test_a_request_still_inside_when_the_drain_ends_gets_503(tmp_path) -> None:
    """A request longer than the drain: its client gets a JSON 503 "shutting down", not a bare 500 or a dropped line."""
    app = start_app(tmp_path, "--shutdown-timeout", "1", "--no-cache")
    try:
        app.wait_healthy()
        result = _stop_with_a_request_inside(app, LONG_TEXT)  # about 7 s to render here
        assert result.get("status") == 503, (result, app.log()[-2000:])
        error = result["body"]["error"]
        assert error["type"] == "server_busy" and "shutting down" in error["message"]
        assert result["exited"]
    finally:
        app.stop()
