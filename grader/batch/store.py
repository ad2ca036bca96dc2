"""The result store of a batch: `reports/<name>/report.json` + `meta.json` written atomically, read back
for skipping unchanged submissions and for `grader gradebook`.

The report is stored with the late policy applied (its `score` is final, as `grader run` writes it); meta.json
keeps the submission time's source, which the report leaves out so that both commands write the same report."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from grader.batch.gradebook import NOT_GRADED, Entry
from grader.models import Report
from grader.reporters.report_json import write_text_atomic
from grader.results.late import SubmissionTime, TimeError, format_time, parse_time

META_VERSION = 1
REPORT_FILE, META_FILE = "report.json", "meta.json"


# -- stored results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    name: str
    content_hash: str
    submitted: SubmissionTime | None = None
    commit: str | None = None
    note: str = ""
    graded_at: datetime | None = None
    error: str | None = None  # not graded, and why (no report.json beside it)


def meta_to_json(meta: Meta) -> dict[str, Any]:
    data = {
        "version": META_VERSION,
        "submission": meta.name,
        "content_hash": meta.content_hash,
        "commit": meta.commit,
        "submitted_at": format_time(meta.submitted.at) if meta.submitted else None,
        "time_source": meta.submitted.source if meta.submitted else None,
        "note": meta.note,
        "graded_at": format_time(meta.graded_at),
    }
    if meta.error is not None:
        data.update(status=NOT_GRADED, error=meta.error)
    return data


def meta_from_json(data: Mapping[str, Any]) -> Meta:
    try:
        submitted = None
        if data.get("submitted_at"):
            submitted = SubmissionTime(parse_time(data["submitted_at"]), str(data.get("time_source") or ""))
        return Meta(
            name=str(data["submission"]),
            content_hash=str(data["content_hash"]),
            submitted=submitted,
            commit=data.get("commit"),
            note=str(data.get("note") or ""),
            graded_at=parse_time(data["graded_at"]) if data.get("graded_at") else None,
            error=str(data.get("error") or "not graded") if data.get("status") == NOT_GRADED else None,
        )
    except (KeyError, TypeError, TimeError) as exc:
        raise ValueError(f"not a grader meta file: {exc}") from None


def save_result(folder: Path, report: Report, meta: Meta) -> None:
    """The report first, then the meta file that vouches for it: a crash in between means a regrade."""
    from grader.reporters.report_json import write_json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / META_FILE).unlink(missing_ok=True)
    write_json(report, folder / REPORT_FILE)
    write_text_atomic(folder / META_FILE, json.dumps(meta_to_json(meta), indent=2) + "\n")


def save_not_graded(folder: Path, meta: Meta) -> None:
    """A submission that could not be graded: a meta file with the reason and no report. It travels with
    the reports (sharded runs upload reports/), so the merged gradebook still lists the student; a re-run
    never reuses it (load_result needs a report)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REPORT_FILE).unlink(missing_ok=True)
    write_text_atomic(folder / META_FILE, json.dumps(meta_to_json(meta), indent=2) + "\n")


def load_result(folder: Path) -> tuple[Report, Meta] | None:
    """A stored report and its meta file, or None when either is missing or unreadable."""
    from grader.reporters.report_json import from_json

    try:
        meta = meta_from_json(json.loads((folder / META_FILE).read_text(encoding="utf-8")))
        report = from_json(json.loads((folder / REPORT_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
    return report, meta


# -- reading reports back -----------------------------------------------------------------------------------


def find_reports(folder: Path) -> Iterator[tuple[str, Path, Path | None]]:
    """(name, report file, meta file or None) for every report under folder.

    `<name>/report.json` (+ `meta.json`) as `grader batch` writes them, and any other `*.json` (a plain
    `grader run --json` report) named after its file.
    """
    for path in sorted(folder.rglob("*.json")):
        if path.name == META_FILE:
            if not path.with_name(REPORT_FILE).is_file():
                yield path.parent.name, path.with_name(REPORT_FILE), path  # a not-graded record
            continue
        if path.name == REPORT_FILE:
            meta = path.with_name(META_FILE)
            yield path.parent.name, path, meta if meta.is_file() else None
        else:
            yield path.stem, path, None


def load_entries(
    folder: Path, *, times: Mapping[str, SubmissionTime] | None = None
) -> tuple[tuple[Entry, ...], list[str]]:
    """Entries for every report under folder, and problems (unreadable files, duplicate names)."""
    from grader.reporters.report_json import from_json

    entries: dict[str, Entry] = {}
    problems: list[str] = []
    for name, report_path, meta_path in find_reports(folder):
        try:
            meta = meta_from_json(json.loads(meta_path.read_text(encoding="utf-8"))) if meta_path else None
            if meta is not None and meta.error is not None and not report_path.is_file():
                report = None
            else:
                report = from_json(json.loads(report_path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            problems.append(f"{report_path}: {exc}")
            continue
        if meta is not None:
            name = meta.name
        if name in entries:
            problems.append(f"{report_path}: a second report for {name!r}")
            continue
        submitted = (times or {}).get(name) or (meta.submitted if meta else None)
        entries[name] = Entry(
            name,
            report,
            submitted,
            error=meta.error if meta and report is None else None,
            commit=meta.commit if meta else None,
            note=meta.note if meta else "",
        )
    return tuple(entries.values()), problems
