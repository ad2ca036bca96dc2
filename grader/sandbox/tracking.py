"""The sandbox containers of this process, so that Ctrl-C can remove every one of them.

A hook of the sandbox: `run_sandbox(..., on_created=tracker.created)` reports each container it creates.
Registration and stopping share a lock: a container reported after `remove_all` began is removed at once
and its run stopped (`Stopped`), so no container outlives an interrupted batch. Belt and braces:
`remove_all` also removes every container the sandbox labelled with this process's pid.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any


class Stopped(Exception):
    """The tracker was stopped: this container was removed and its run must not go on."""


class ContainerTracker:
    def __init__(self, client: Any, *, pid_label: str | None = None) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._live: dict[str, Any] = {}
        self._stopping = False
        self._pid_label = pid_label

    def created(self, container: Any) -> None:
        """The sandbox's hook, called right after it created `container`. Raises Stopped once stopping."""
        with self._lock:
            if not self._stopping:
                self._live[container.id] = container
                return
        _remove(container)
        raise Stopped

    def _labelled(self) -> list[Any]:
        if self._pid_label is None:
            return []
        try:
            return list(self._client.containers.list(all=True, filters={"label": self._pid_label}))
        except Exception:  # the engine is going away: the recorded containers are all we know
            return []

    def remove_all(self) -> int:
        """Stop accepting containers and force-remove the live ones. Returns how many were removed."""
        with self._lock:
            self._stopping = True
            live = {c.id: c for c in self._live.values()}
        for container in self._labelled():
            live.setdefault(container.id, container)
        for container in live.values():
            _remove(container)
        return len(live)

    def leftovers(self) -> list[str]:
        """Ids of this process's containers the engine still knows."""
        left = {c.id for c in self._labelled()}
        for cid in list(self._live):
            try:
                self._client.containers.get(cid)
            except Exception:
                continue
            left.add(cid)
        return sorted(left)


def _remove(container: Any) -> None:
    # Already gone, or the engine is going away: nothing more to do.
    with contextlib.suppress(Exception):
        container.remove(force=True, v=True)
