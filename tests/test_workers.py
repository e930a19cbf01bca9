"""kg.workers: threads that leave stop signals to the main thread."""

from __future__ import annotations

import ctypes
import signal
import threading

from kg import workers


def test_a_worker_blocks_the_stop_signals_and_its_own_threads_too():
    seen: dict[str, set[int]] = {}

    def inner() -> None:
        seen["inner"] = set(signal.pthread_sigmask(signal.SIG_BLOCK, []))

    def outer() -> None:
        seen["outer"] = set(signal.pthread_sigmask(signal.SIG_BLOCK, []))
        child = threading.Thread(target=inner)
        child.start()
        child.join()

    workers.start(outer, "test-worker").join(10)
    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    assert stops <= seen["outer"] and stops <= seen["inner"]
    assert not stops & set(signal.pthread_sigmask(signal.SIG_BLOCK, []))  # the caller's own


def own_stack_bytes() -> int:
    """The calling thread's stack size, as glibc reports it."""
    libc = ctypes.CDLL(None)
    attributes = ctypes.create_string_buffer(256)  # larger than any pthread_attr_t
    assert libc.pthread_getattr_np(ctypes.c_ulong(threading.get_ident()), attributes) == 0
    size = ctypes.c_size_t()
    libc.pthread_attr_getstacksize(attributes, ctypes.byref(size))
    libc.pthread_attr_destroy(attributes)
    return size.value


def test_a_worker_gets_the_stack_it_asks_for_and_leaves_the_default_alone():
    before = threading.stack_size()
    sizes: list[int] = []
    def measure() -> None:
        sizes.append(own_stack_bytes())

    workers.start(measure, "test-big", stack_bytes=64 * 2**20).join(10)
    workers.start(measure, "test-plain").join(10)
    assert sizes[0] >= 64 * 2**20 > sizes[1]
    assert threading.stack_size() == before
