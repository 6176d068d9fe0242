"""A throwaway Linux desktop for the tests: Xvfb, a D-Bus session bus, dunst, trayer and
(when installed) PulseAudio with a null sink, each on private addresses under a temp dir.

`DesktopSession.env()` is what a child process needs to live on that desktop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

REQUIRED = ("Xvfb", "dbus-daemon", "dunst", "dunstctl", "trayer")
AUDIO = "pulseaudio"


def missing_binaries() -> list[str]:
    return [name for name in REQUIRED if shutil.which(name) is None]


def _wait_for(predicate: object, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise RuntimeError(f"desktop session: {what} did not come up within {timeout:.0f}s")


class DesktopSession:
    def __init__(self, root: Path, notification_limit: int = 0) -> None:
        self.root = root
        self.notification_limit = notification_limit
        self.root.mkdir(parents=True, exist_ok=True)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.display = ""
        self.bus_address = ""
        self.pulse_server = ""
        self.logs = root / "logs"
        self.logs.mkdir(exist_ok=True)

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self.processes.append(proc)
        return proc

    def start(self) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "PULSE_"))}
        base["XDG_RUNTIME_DIR"] = str(self.root)
        # Xvfb picks a free display itself and writes its number on the pipe.
        read_fd, write_fd = os.pipe()
        xvfb = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_fd),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(xvfb)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("desktop session: Xvfb did not report a display")
        self.display = f":{number}"
        base["DISPLAY"] = self.display
        bus = subprocess.Popen(
            [
                "dbus-daemon",
                "--session",
                "--nofork",
                "--print-address=1",
                f"--address=unix:path={self.root / 'bus'}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=base,
        )
        self.processes.append(bus)
        assert bus.stdout is not None
        self.bus_address = bus.stdout.readline().decode().strip()
        if not self.bus_address:
            raise RuntimeError("desktop session: dbus-daemon did not print its address")
        base["DBUS_SESSION_BUS_ADDRESS"] = self.bus_address
        dunstrc = self.root / "dunstrc"
        # Tests keep every notification on screen (timeout 0, no limit) so that any of
        # them can be clicked. A daemon showing hundreds of notifications at once grows
        # slower to answer each Notify; benches pass dunst's shipped limit (20) instead.
        dunstrc.write_text(
            f"[global]\n    timeout = 0\n    notification_limit = {self.notification_limit}\n"
        )
        self._spawn("dunst", ["dunst", "-config", str(dunstrc)], base)
        self._spawn(
            "trayer",
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "pixel",
                "--width",
                "120",
                "--height",
                "24",
            ],
            base,
        )
        self._env = base
        _wait_for(self._dunst_ready, "dunst")
        if shutil.which(AUDIO):
            socket = self.root / "pulse.sock"
            self._spawn(
                "pulseaudio",
                [
                    AUDIO,
                    "-n",
                    "--daemonize=no",
                    "--exit-idle-time=-1",
                    "--use-pid-file=no",
                    "-L",
                    "module-null-sink sink_name=null",
                    "-L",
                    f"module-native-protocol-unix auth-anonymous=1 socket={socket}",
                ],
                {**base, "HOME": str(self.root)},
            )
            _wait_for(socket.exists, "pulseaudio")
            self.pulse_server = f"unix:{socket}"
        time.sleep(0.3)  # trayer maps its window right after start

    def _dunst_ready(self) -> bool:
        done = subprocess.run(
            ["dunstctl", "count"], env=self._env, capture_output=True, check=False
        )
        return done.returncode == 0

    def env(self, audio: bool = True) -> dict[str, str]:
        env = dict(self._env)
        env.pop("QT_QPA_PLATFORM", None)
        env["QT_QPA_PLATFORM"] = "xcb"
        if audio and self.pulse_server:
            env["PULSE_SERVER"] = self.pulse_server
        else:
            env["PULSE_SERVER"] = f"unix:{self.root / 'no-audio-here.sock'}"
        return env

    def dunstctl(self, *args: str) -> str:
        done = subprocess.run(
            ["dunstctl", *args],
            env=self._env,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        return done.stdout

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
