"""Run one submission's code, then the grader's probe cells, in a fresh sandboxed kernel.

Built on nbclient. The grader keeps nothing a student cell prints (only the name of an error it
raises); from probe cells it keeps only lines that start with the run's secret tag. A cell that
times out is interrupted; a cell that cannot be interrupted, kills the kernel or exhausts its
memory is skipped and the notebook is run again from the top in a new kernel, so one bad cell
costs only what depends on it. A per-notebook deadline bounds everything.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq
import zmq.asyncio
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import v4

from course_lib.grading.sandbox import Sandbox

__all__ = ["CellRecord", "RunResult", "run_cells", "TagCollector"]

MAX_RESTARTS = 4
# Runs before the student's cells in every kernel: IPython's exit() would otherwise stop the
# kernel a moment later, in the middle of some innocent later cell (a death is blamed on the
# cell that is running when it is noticed).
SETUP = "get_ipython().ask_exit = lambda: None"
MAX_MESSAGE_BYTES = 8 * 1024 * 1024  # larger iopub messages drop the connection (huge outputs)
MAX_TAGGED_LINE = 2 * 1024 * 1024
MAX_TAGGED_LINES = 64
INTERRUPT_GRACE = 5.0
DISK_LIMIT = 512 * 1024 * 1024  # bytes a kernel may leave in its working folder
DISK_POLL = 0.5


def folder_size(path: Path, limit: int = 100_000) -> int:
    """Bytes used by the files under ``path`` (stops counting after ``limit`` entries).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a").write_bytes(b"x" * 10)
    >>> folder_size(folder)
    10
    """
    total, seen, stack = 0, 0, [str(path)]
    while stack and seen < limit:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                pass
    return total


async def _watch_disk(workdir: Path, km, flag: dict) -> None:
    """Kill the kernel if its working folder grows past DISK_LIMIT (a full disk hurts everyone)."""
    while True:
        await asyncio.sleep(DISK_POLL)
        if folder_size(workdir) > DISK_LIMIT:
            flag["disk"] = True
            try:
                await km.provisioner.kill()
            except (AttributeError, OSError):  # already dead is fine
                pass
            return


class TagCollector:
    """Keep the lines of a stream that start with ``tag``; forget everything else as it arrives.

    Examples
    --------
    >>> c = TagCollector("T0")
    >>> c.feed("noise\\nT0 {\\"a\\": "); c.feed("1}\\nmore noise")
    >>> c.lines
    ['{"a": 1}']
    """

    def __init__(self, tag: str):
        self.tag = tag
        self.lines: list[str] = []
        self._partial = ""
        self._discarding = False

    def feed(self, text: str) -> None:
        while text:
            newline = text.find("\n")
            piece, text = (text, "") if newline < 0 else (text[:newline], text[newline + 1:])
            if not self._discarding:
                self._partial += piece
                head = self._partial[: len(self.tag)]
                if not self.tag.startswith(head) or len(self._partial) > MAX_TAGGED_LINE:
                    self._partial, self._discarding = "", True
            if newline >= 0:
                if not self._discarding and self._partial.startswith(self.tag + " "):
                    if len(self.lines) < MAX_TAGGED_LINES:
                        self.lines.append(self._partial[len(self.tag) + 1:])
                self._partial, self._discarding = "", False


@dataclass
class CellRecord:
    """What happened to one cell (the last time it ran)."""

    index: int
    kind: str  # "student" or "probe"
    status: str = "not run"  # ok, error, timeout, skipped, died, out of memory, not run
    error: str = ""


@dataclass
class RunResult:
    """Everything the grader keeps from one submission's run."""

    status: str  # ok, timeout, crashed
    cells: list[CellRecord]
    probe_lines: dict[int, list[str]] = field(default_factory=dict)
    restarts: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class _SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command is the sandbox's, over Unix sockets."""

    def __init__(self, spec: KernelSpec, owner: int | None, **kwargs):
        super().__init__(**kwargs)
        self._sandbox_spec = spec
        self._owner = owner

    @property
    def kernel_spec(self):  # noqa: D401 - replaces the kernelspec lookup
        return self._sandbox_spec

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self._owner is not None:
            os.chown(self.connection_file, self._owner, self._owner)


class _GradingClient(NotebookClient):
    """nbclient, keeping only error names from student cells and tagged lines from probes."""

    def __init__(self, nb, km, tag: str, **kwargs):
        super().__init__(nb, km=km, **kwargs)
        self.tag = tag
        self.collectors: dict[int, TagCollector] = {}
        self.errors: dict[int, str] = {}
        self._output_tasks: set[asyncio.Task] = set()

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        task = asyncio.current_task()
        self._output_tasks.add(task)
        try:
            return await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        finally:
            self._output_tasks.discard(task)

    async def cancel_output_polls(self) -> None:
        """Stop the output readers a timed-out cell leaves behind (they would eat later output)."""
        tasks = [t for t in self._output_tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def output(self, outs, msg, display_id, cell_index):
        kind = self.nb.cells[cell_index].metadata.get("grading", "student")
        msg_type = msg["msg_type"]
        content = msg.get("content", {})
        if msg_type == "error":
            name = str(content.get("ename", "Error"))[:80]
            value = str(content.get("evalue", ""))[:300]
            self.errors[cell_index] = f"{name}: {value}" if value else name
        elif msg_type == "stream" and kind == "probe":
            self.collectors.setdefault(cell_index, TagCollector(self.tag)).feed(str(content.get("text", "")))
        return None

    def clear_output(self, outs, msg, cell_index):
        return None

    def handle_comm_msg(self, outs, msg, cell_index):
        return None


def _context() -> zmq.asyncio.Context:
    context = zmq.asyncio.Context()
    # Defaults for every socket made from this context (pyzmq feature): a student cell that
    # prints gigabytes can cost the grader neither unbounded memory nor unbounded buffering.
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    context.setsockopt(zmq.RCVHWM, 64)
    context.setsockopt(zmq.LINGER, 0)
    return context


async def run_cells(
    student_sources: list[str],
    probe_sources: list[str],
    tag: str,
    sandbox: Sandbox,
    slot: int,
    scratch: Path,
    cell_timeout: float = 30.0,
    notebook_timeout: float = 300.0,
    startup_timeout: float = 60.0,
) -> RunResult:
    """Execute the student's code cells then the probe cells; never raises for student behaviour.

    Parameters
    ----------
    student_sources, probe_sources : list of str
        Code of the submission's code cells, and of the grader's probe cells (run after them).
    tag : str
        Secret prefix of the probe's result lines.
    sandbox : Sandbox
        How kernels are started.
    slot : int
        Parallel job number (selects the unprivileged user id in root modes).
    scratch : Path
        Folder in which private working folders are made.
    cell_timeout, notebook_timeout, startup_timeout : float
        Seconds.
    """
    started = time.monotonic()
    deadline = started + notebook_timeout
    nb = v4.new_notebook()
    records = []
    for kind, sources in (("setup", [SETUP]), ("student", student_sources), ("probe", probe_sources)):
        for source in sources:
            cell = v4.new_code_cell(source)
            cell.metadata["grading"] = kind
            records.append(CellRecord(index=len(nb.cells), kind=kind))
            nb.cells.append(cell)
    sentinel = v4.new_code_cell("pass")
    sentinel.metadata["grading"] = "sentinel"
    nb.cells.append(sentinel)

    result = RunResult(status="ok", cells=records)
    skip: set[int] = set()
    timed_out = crashed = False
    for attempt in range(MAX_RESTARTS + 1):
        if time.monotonic() >= deadline:
            timed_out = True
            result.notes.append("the notebook ran out of time")
            break
        result.restarts = attempt
        workdir = sandbox.make_workdir(scratch, slot)
        uid = sandbox.uid_for(slot)
        spec = KernelSpec(argv=sandbox.argv(workdir, slot), display_name="sandboxed python",
                          language="python", interrupt_mode="message", env={}, metadata={})
        context = _context()
        km = _SandboxKernelManager(spec, uid, context=context, transport="ipc",
                                   ip=str(workdir / "kernel-ipc"),
                                   connection_file=str(workdir / "kernel.json"))
        client = _GradingClient(nb, km, tag, timeout=cell_timeout, allow_errors=True,
                                startup_timeout=startup_timeout, shutdown_kernel="immediate",
                                interrupt_on_timeout=False, iopub_timeout=2, record_timing=False)
        restart = False
        flag: dict = {}
        watcher = None
        try:
            async with client.async_setup_kernel(cwd=str(workdir), stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL):
                watcher = asyncio.ensure_future(_watch_disk(workdir, km, flag))
                for index, cell in enumerate(nb.cells[:-1]):
                    record = records[index]
                    if index in skip or (record.kind == "probe" and index in result.probe_lines):
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 1:
                        timed_out = True
                        result.notes.append("the notebook ran out of time")
                        break
                    client.timeout = max(1, int(min(cell_timeout, remaining)))
                    client.errors.pop(index, None)
                    try:
                        await client.async_execute_cell(cell, index)
                    except CellTimeoutError:
                        await client.cancel_output_polls()
                        timed_out = True
                        record.status = "timeout"
                        skip.add(index)  # interrupted or not, a new kernel will not rerun it
                        if not await _interrupt(client, km, len(nb.cells) - 1):
                            skip.add(index)
                            record.status = "skipped"
                            record.error = "still running after an interrupt; skipped"
                            restart = True
                            break
                        record.error = "interrupted after the time limit"
                        continue
                    except DeadKernelError:
                        crashed = True
                        skip.add(index)
                        record.status = "died"
                        record.error = f"the kernel died{_exit_code(km)} while this cell ran; skipped"
                        if flag.get("disk"):
                            record.error = f"wrote more than {DISK_LIMIT // 2**20} MB to disk; skipped"
                        elif sandbox.oom_kills(workdir):
                            # The kernel's processes together passed its memory limit (its cgroup).
                            record.status, record.error = "out of memory", "ran out of memory; skipped"
                        restart = True
                        break
                    error = client.errors.get(index, "")
                    if error.startswith("MemoryError"):
                        # Whatever filled the memory may still hold it: start again without it.
                        crashed = True
                        skip.add(index)
                        record.status, record.error = "out of memory", "ran out of memory; skipped"
                        restart = True
                        break
                    record.status, record.error = ("error", error) if error else ("ok", "")
                    if record.kind == "probe":
                        collector = client.collectors.get(index)
                        result.probe_lines[index] = list(collector.lines) if collector else []
        except Exception as err:  # noqa: BLE001 - a kernel that cannot start or talk is a crash, not ours
            crashed = True
            result.notes.append(f"kernel failure: {type(err).__name__}: {str(err)[:200]}")
        finally:
            if watcher is not None:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
            await _shutdown(client, km)
            context.destroy(linger=0)
            sandbox.cleanup(workdir, slot)
        if not restart:
            break
    else:
        result.notes.append("gave up after repeated kernel restarts")
    result.status = "crashed" if crashed else "timeout" if timed_out else "ok"
    result.seconds = time.monotonic() - started
    return result


def _exit_code(km) -> str:
    """" (exit code N)" or " (killed by signal N)" for a dead kernel's process, if known."""
    try:
        code = km.provisioner.process.poll()
    except AttributeError:
        return ""
    if code is None:
        return ""
    return f" (killed by signal {-code})" if code < 0 else f" (exit code {code})"


async def _interrupt(client: _GradingClient, km, sentinel_index: int) -> bool:
    """Interrupt the busy kernel; True if it answers a trivial cell within the grace period."""
    try:
        await km.interrupt_kernel()
        client.timeout = INTERRUPT_GRACE
        await client.async_execute_cell(client.nb.cells[sentinel_index], sentinel_index)
        return True
    except (CellTimeoutError, DeadKernelError, RuntimeError, zmq.ZMQError):
        await client.cancel_output_polls()
        return False


async def _shutdown(client: _GradingClient, km) -> None:
    try:
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    except Exception:  # noqa: BLE001 - the process may already be gone; cleanup() kills the rest
        pass
    try:
        if client.kc is not None:
            client.kc.stop_channels()
    except Exception:  # noqa: BLE001
        pass
    try:
        await km.cleanup_resources()
    except Exception:  # noqa: BLE001
        pass
