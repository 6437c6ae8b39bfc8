"""Run the grader's own work on one submission under a time and a memory limit.

Reading and comparing a student's answers happens in the grader's process, on values the
student chose: an expression built to make SymPy expand for hours, or a matrix entry that
needs gigabytes, must cost that submission's question, never the whole run. :func:`map_bounded`
runs a function on each item in a forked child process with an address-space limit, and kills
the child when one item takes too long; the items after it go on in a fresh child.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time

__all__ = ["map_bounded", "OK", "TIMEOUT", "MEMORY", "ERROR", "NOT_RUN"]

OK, TIMEOUT, MEMORY, ERROR, NOT_RUN = "ok", "timeout", "memory", "error", "not run"
_HEADER = struct.Struct("!Q")


def _address_space() -> int:
    """This process's current virtual memory size in bytes (0 when it cannot be read)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(extra_mb: float) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Linux: time limit only
        return
    limit = _address_space() + int(extra_mb * 1024 * 1024)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child(function, items, start, write_fd, extra_mb) -> None:
    """Run ``function`` on ``items[start:]`` and send each ``(index, (status, value))``."""
    _limit_memory(extra_mb)
    for index in range(start, len(items)):
        try:
            outcome = (OK, function(items[index]))
        except MemoryError:
            outcome = (MEMORY, None)
        except BaseException as err:  # noqa: BLE001 - reported to the parent, never fatal
            outcome = (ERROR, f"{type(err).__name__}: {err}"[:500])
        try:
            data = pickle.dumps((index, outcome))
        except Exception as err:  # noqa: BLE001
            data = pickle.dumps((index, (ERROR, f"an unpicklable result ({type(err).__name__})")))
        except MemoryError:
            data = pickle.dumps((index, (MEMORY, None)))
        message = _HEADER.pack(len(data)) + data
        while message:
            message = message[os.write(write_fd, message):]
        if outcome[0] == MEMORY:
            return  # what ran out of memory may have left this process in a bad state


def map_bounded(function, items, seconds: float, memory_mb: float, total_seconds: float | None = None) -> list:
    """``[(status, value), ...]``: ``function(item)`` for each item, each under a time limit.

    Each item gets ``seconds`` of wall-clock time, and the child process running the items may
    use ``memory_mb`` MB of address space beyond what the caller uses. Status is "ok" (value
    is the result), "timeout", "memory" (the item ran out of memory), "error" (value is the
    exception's text), or "not run" (``total_seconds`` for all items was spent first). Never
    raises for what ``function`` does; results must be picklable.

    Parameters
    ----------
    function : callable
        Called with one item, in a forked child process (it sees the caller's memory as it was).
    items : list
    seconds : float
        Limit per item, > 0.
    memory_mb : float
        Extra address space the child may use, > 0.
    total_seconds : float, optional
        Limit for all items together.

    Raises
    ------
    ValueError
        If a limit is not positive.

    Examples
    --------
    >>> import time
    >>> map_bounded(lambda n: n * n, [1, 2, 3], seconds=5, memory_mb=256)
    [('ok', 1), ('ok', 4), ('ok', 9)]
    >>> map_bounded(lambda n: time.sleep(n) or n, [0, 30, 0], seconds=0.5, memory_mb=256)
    [('ok', 0), ('timeout', None), ('ok', 0)]
    >>> map_bounded(lambda n: bytearray(n), [2 * 1024 ** 3], seconds=5, memory_mb=256)
    [('memory', None)]
    """
    for name, value in (("seconds", seconds), ("memory_mb", memory_mb), ("total_seconds", total_seconds)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if value is not None and not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")
    items = list(items)
    results: list = [(NOT_RUN, None)] * len(items)
    final = time.monotonic() + total_seconds if total_seconds else float("inf")
    start = 0
    while start < len(items) and time.monotonic() < final:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 0
            try:
                os.close(read_fd)
                _child(function, items, start, write_fd, memory_mb)
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        current, buffer = start, b""
        deadline = time.monotonic() + seconds
        try:
            while current < len(items):
                left = min(deadline, final) - time.monotonic()
                if left <= 0:
                    results[current] = (TIMEOUT if time.monotonic() >= deadline else NOT_RUN, None)
                    current += 1
                    break
                ready, _, _ = select.select([read_fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(read_fd, 1 << 16)
                if not chunk:  # the child died without a word for the current item
                    results[current] = (MEMORY, None)
                    current += 1
                    break
                buffer += chunk
                stopped = False
                while len(buffer) >= _HEADER.size:
                    (size,) = _HEADER.unpack_from(buffer)
                    if len(buffer) < _HEADER.size + size:
                        break
                    index, outcome = pickle.loads(buffer[_HEADER.size:_HEADER.size + size])
                    buffer = buffer[_HEADER.size + size:]
                    results[index] = outcome
                    current = index + 1
                    deadline = time.monotonic() + seconds
                    stopped = stopped or outcome[0] == MEMORY  # that child stops: go on in a new one
                if stopped:
                    break
        finally:
            os.close(read_fd)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
        start = current
    return results
