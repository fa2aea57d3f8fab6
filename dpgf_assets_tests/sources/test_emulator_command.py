"""`python -m dpgf_assets.emulator FOLDER --fault ...` serves a throttling tenant the real client meets."""

import subprocess
import sys

from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource


def test_the_emulator_command_prints_the_variables_and_applies_its_fault_plan(tmp_path):
    (tmp_path / "Lot 01").mkdir()
    (tmp_path / "Lot 01" / "DPGF.xlsx").write_bytes(b"x" * 100)
    proc = subprocess.Popen([sys.executable, "-m", "dpgf_assets.emulator", str(tmp_path), "--throttle", "1",
                             "--retry-after", "0", "--target", "download", "--seed", "3"],
                            stdout=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline().strip() for _ in range(2)]
        env = {}
        while True:
            line = proc.stdout.readline().strip()
            if not line.startswith("export "):
                break
            name, value = line[len("export "):].split("=", 1)
            env[name] = value
            if len(env) == 5:
                break
        assert lines[0].startswith("serving") and "throttle 100%" in lines[1]
        assert all(name.startswith("DPGF_SHAREPOINT_") for name in env)
        source = SharePointSource(SharePointConfig.from_env(env, retry_count=1, backoff_seconds=0.01))
        (file,) = source.list_changes(None).files  # Graph calls are not targeted
        try:
            source.read_range(file, 0, 10)
            raise AssertionError("every download is throttled")
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "transient", False) and "429" in str(exc)
        source.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # once in a full run it outlived SIGTERM: it must not outlive the test
            proc.kill()
            proc.wait()
