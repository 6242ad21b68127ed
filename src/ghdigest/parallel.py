"""Sharing long, independent work (reading files, rendering weeks) among forked worker processes.

Workers are forked, so they start with everything already imported and read, and send back only
their results. That is safe only on Linux and only while no other thread runs (a thread holding
a lock at the fork would leave the lock held forever in the child), so anywhere else, and for
small jobs, the work is done in the calling process, with the same result.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Result = TypeVar("Result")
Report = TypeVar("Report")

#: Jobs of fewer items than this run in the calling process: a fork costs more than it saves.
PARALLEL_FROM = 2000
MAX_WORKERS = 8

_in_worker = False


def in_worker() -> bool:
    """Whether this is a worker process of this module: what it returns is sent to the parent."""
    return _in_worker


def _become_worker() -> None:
    global _in_worker
    _in_worker = True


def workers(items: int) -> int:
    """How many processes to share ``items`` items among (1: do the work here)."""
    if items < PARALLEL_FROM or sys.platform != "linux" or threading.active_count() > 1:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def map_slices(
    function: Callable[[Any, int, int], Sequence[Result]], shared: Any, items: int, work: int | None = None
) -> list[Result]:
    """``function(shared, start, end)`` over consecutive slices of ``range(items)``, concatenated in order.

    ``shared`` is read by the workers as it was at the fork, never sent to them. ``work`` is how
    much there is to do, when it is not the number of items (the entries of weeks to render).
    """
    with staged(partial(_prepared_only, function), _nothing_to_finish, shared, items, work) as stages:
        results: list[Result] = stages.reports()
        stages.finish()  # so the workers end of themselves
    return results


def _prepared_only(
    function: Callable[[Any, int, int], Sequence[Result]], shared: Any, start: int, end: int
) -> tuple[None, Sequence[Result]]:
    return None, function(shared, start, end)


def _nothing_to_finish(_kept: None) -> list[Any]:
    return []


class WorkerFailed(RuntimeError):
    """A worker process stopped without an answer, or its error could not be sent back."""


class Stages(Generic[Report, Result]):
    """Work over slices in two stages: :meth:`reports` prepares every slice, :meth:`finish` completes them.

    No slice is finished before every slice is prepared and the caller asks for it: an error while
    preparing, or one the caller raises after reading the reports, leaves nothing finished.
    """

    def __init__(
        self,
        prepare: Callable[[Any, int, int], tuple[Any, Sequence[Report]]],
        complete: Callable[[Any], Sequence[Result]],
        shared: Any,
        items: int,
    ) -> None:
        self._prepare, self._complete, self._shared, self._items = prepare, complete, shared, items
        self._held: Any = None
        self._reports: list[Report] | None = None

    def reports(self) -> list[Report]:
        """What preparing each slice reported, in order (waited for the first time); a slice's error is raised here."""
        if self._reports is None:
            self._reports = self._gather()
        return self._reports

    def _gather(self) -> list[Report]:
        self._held, reported = self._prepare(self._shared, 0, self._items)
        return list(reported)

    def finish(self) -> list[Result]:
        """Complete every prepared slice where it was prepared, once all are; the results, in order."""
        self.reports()
        return list(self._complete(self._held))

    def close(self) -> None:
        """Stop whatever was not finished; nothing more is done."""
        self._held = None


class _ForkedStages(Stages[Report, Result]):
    """:class:`Stages` whose slices are prepared and completed in forked processes, which keep what they prepare."""

    def __init__(
        self,
        prepare: Callable[[Any, int, int], tuple[Any, Sequence[Report]]],
        complete: Callable[[Any], Sequence[Result]],
        shared: Any,
        bounds: list[tuple[int, int]],
    ) -> None:
        super().__init__(prepare, complete, shared, 0)
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._connections: list[Connection] = []
        self._processes: list[BaseProcess] = []
        self._told = False
        try:
            for start, end in bounds:
                # Each pipe is made just before its worker and the worker's end closed here just
                # after, so no other process holds it: a worker that dies ends its pipe.
                mine, theirs = context.Pipe()
                self._connections.append(mine)
                process = context.Process(
                    target=_staged_worker,
                    args=(theirs, list(self._connections), prepare, complete, shared, start, end),
                    daemon=True,
                )
                try:
                    process.start()
                finally:
                    theirs.close()
                self._processes.append(process)
        except BaseException:
            self.close()
            raise

    def _gather(self) -> list[Report]:
        return [report for connection in self._connections for report in _answer(connection)]

    def finish(self) -> list[Result]:
        self.reports()
        self._told = True
        for connection in self._connections:
            with contextlib.suppress(OSError):  # that worker is gone already: its answer says so
                connection.send(True)
        return [result for connection in self._connections for result in _answer(connection)]

    def close(self) -> None:
        # The pipes are closed first: a worker blocked sending an answer no one reads any more, or
        # waiting for word to finish, then sees the parent gone and stops. Workers never told to
        # finish have done nothing that shows outside them: they are stopped at once. Workers told
        # to finish are waited for, so nothing they do is left half done.
        for connection in self._connections:
            connection.close()
        if not self._told:
            for process in self._processes:
                process.terminate()
        self._told = True
        for process in self._processes:
            process.join()


@contextmanager
def staged(
    prepare: Callable[[Any, int, int], tuple[Any, Sequence[Report]]],
    complete: Callable[[Any], Sequence[Result]],
    shared: Any,
    items: int,
    work: int | None = None,
) -> Iterator[Stages[Report, Result]]:
    """Two-stage work over consecutive slices of ``range(items)``, shared among forked workers when it is large.

    ``prepare(shared, start, end)`` returns what the slice keeps and its reports; ``complete(kept)``
    returns the slice's results. The caller reads the reports, may stop (by raising), then asks for
    :meth:`Stages.finish`. A worker keeps what it prepared: only reports and results travel.
    """
    count = min(workers(items if work is None else work), items)
    if count < 2:
        stages: Stages[Report, Result] = Stages(prepare, complete, shared, items)
    else:
        step = -(-items // count)
        stages = _ForkedStages(prepare, complete, shared, [(s, min(s + step, items)) for s in range(0, items, step)])
    try:
        yield stages
    finally:
        stages.close()


class WorkerTraceback(Exception):
    """Where in a worker process the error raised from it happened (its formatted traceback)."""

    def __str__(self) -> str:
        return f"\n\nin a worker process:\n{self.args[0] if self.args else ''}"


def _answer(connection: Connection) -> Sequence[Any]:
    try:
        succeeded, value = connection.recv()
    except EOFError:
        raise WorkerFailed("a worker process stopped before it answered") from None
    except Exception as exc:  # an error that could not be rebuilt here
        raise WorkerFailed(f"a worker's answer could not be read: {exc}") from exc
    if not succeeded:
        error, where = value
        raise error from WorkerTraceback(where)
    return value  # type: ignore[no-any-return]


def _staged_worker(
    connection: Connection,
    parents: list[Connection],
    prepare: Callable[[Any, int, int], tuple[Any, Sequence[Any]]],
    complete: Callable[[Any], Sequence[Any]],
    shared: Any,
    start: int,
    end: int,
) -> None:
    for parent in parents:  # the other ends, inherited at the fork: the parent's alone
        parent.close()
    _become_worker()
    try:
        kept, reports = prepare(shared, start, end)
    except BaseException as exc:  # sent to the parent, which raises it
        _send_error(connection, exc)
        return
    if not _send(connection, (True, reports)):
        return
    try:
        go_on = connection.recv()
    except (EOFError, OSError):  # the parent is gone: nothing to finish
        return
    if not go_on:
        return
    try:
        results = complete(kept)
    except BaseException as exc:
        _send_error(connection, exc)
        return
    _send(connection, (True, results))


def _send(connection: Connection, answer: tuple[bool, Any]) -> bool:
    """Send ``answer`` to the parent; False when the parent is gone (or no longer listens)."""
    try:
        connection.send(answer)
    except OSError:
        return False
    except Exception as exc:  # an answer that cannot be pickled
        _send_error(connection, exc)
        return False
    return True


def _send_error(connection: Connection, error: BaseException) -> None:
    where = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        pickle.loads(pickle.dumps(error))  # some errors pickle but cannot be rebuilt: found here
        answer: tuple[bool, Any] = (False, (error, where))
    except Exception:  # its words, at least
        answer = (False, (WorkerFailed(f"{type(error).__name__}: {error}"), where))
    with contextlib.suppress(OSError):  # the parent is gone: no one to tell
        connection.send(answer)
