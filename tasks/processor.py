"""A Nornir processor that turns task completions into typed events.

Attach it with ``nr.with_processors([EventProcessor(bus)])``: every task and
subtask that finishes on a router is published on the
:class:`~vrpbook.events.EventBus` as a :class:`TaskFinished` (router, task
name, changed, failed, the device diff, the error's one line), so progress
displays, logs and journals observe the work without being called by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from nornir.core.inventory import Host
from nornir.core.task import AggregatedResult, MultiResult, Task

from vrpbook.errors import describe_error
from vrpbook.events import Event, EventBus


@dataclass(frozen=True, kw_only=True)
class TaskFinished(Event):
    """One Nornir task (or subtask) finished on one router."""

    router: str
    task: str
    changed: bool
    failed: bool
    diff: str = ""
    error: str | None = None
    subtask: bool = False


class EventProcessor:
    """Nornir ``Processor``: publishes :class:`TaskFinished` for tasks and subtasks."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    def _publish(self, task: Task, host: Host, result: MultiResult, subtask: bool) -> None:
        first = result[0] if len(result) else None
        exc = result.exception if result.failed else None
        self.bus.publish(TaskFinished(
            router=host.name,
            task=task.name or "task",
            changed=result.changed,
            failed=result.failed,
            diff=(first.diff or "") if first is not None else "",
            error=describe_error(exc) if exc is not None else None,
            subtask=subtask,
        ))

    def task_started(self, task: Task) -> None:
        return None

    def task_completed(self, task: Task, result: AggregatedResult) -> None:
        return None

    def task_instance_started(self, task: Task, host: Host) -> None:
        return None

    def task_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        self._publish(task, host, result, subtask=False)

    def subtask_instance_started(self, task: Task, host: Host) -> None:
        return None

    def subtask_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        self._publish(task, host, result, subtask=True)
