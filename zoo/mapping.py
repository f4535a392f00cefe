"""``zoo map TASK INPUT OUTPUT`` and ``zoo.map(...)``: a task over every row of a table.

Reads CSV, Parquet or JSON Lines in chunks, runs the task's pipeline over a named column (or, for
a task with ``map_group`` such as forecasting, over each group of rows: one series per
``unique_id`` of a long-format table), and writes the input rows with the result columns added
(the task decides the output rows: ``Task.map_output``). Memory is bounded by the chunk, not the
file. Every chunk's output is kept as a part file in ``OUTPUT.parts/`` as soon as it is done, so
a run that was killed resumes where it stopped; the parts are joined into OUTPUT at the end.
A unit (row or group) that cannot be read or predicted keeps its rows, with the reason in the
``error`` column: no row is dropped. The engine (``local`` here, ``ray`` in ``zoo.mapping_ray``)
only decides where the units of a chunk are predicted; reading, cutting and writing are shared,
so both engines write the same output.
"""
from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import jsontext
from .errors import InputError, ZooError

log = logging.getLogger("zoo.map")
ERROR = "error"
FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CHUNK_ROWS = 20_000
# Each chunk is one Ray Data job whose actors load the pipeline once: larger chunks, fewer loads.
RAY_CHUNK_ROWS = 100_000
BATCH = 64
csv.field_size_limit(sys.maxsize // 2)  # a long review is a long field, not a broken file


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path.name}: the file type is read from its name: .csv, .parquet or .jsonl "
                         f"(got {path.suffix or 'no extension'!r})")
    return fmt


# -- reading ------------------------------------------------------------------------------------
@dataclass
class Row:
    values: dict[str, Any]
    line: int  # 1-based data row number in the input (what an error names)
    error: str | None = None  # could not be read as a row at all


def read_rows(path: Path) -> Iterator[Row]:
    """Every row of the file, in order, streamed. CSV cells stay text exactly as written (a
    malformed line becomes a row with an error, not a crash); Parquet and JSON Lines keep types."""
    fmt = file_format(path)
    if fmt == "csv":
        yield from _csv_rows(path)
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        line = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
            for values in batch.to_pylist():
                line += 1
                yield Row(values, line)
    else:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line, text in enumerate(f, 1):
                if not text.strip():
                    continue
                try:
                    values = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield Row({}, line, f"line {line} is not JSON ({exc.msg})")
                    continue
                if not isinstance(values, dict):
                    yield Row({}, line, f"line {line} is a JSON {type(values).__name__}, not an object")
                    continue
                yield Row(values, line)


def file_columns(path: Path) -> list[str] | None:
    """The columns a CSV's header or a Parquet schema names; None for JSON Lines (each line has its own)."""
    fmt = file_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(path).schema_arrow.names)
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            try:
                return next(csv.reader(f))
            except (StopIteration, csv.Error):
                return None  # read_rows says what is wrong with it
    return None


def _csv_rows(path: Path) -> Iterator[Row]:
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path.name} is empty: a CSV needs a header line") from None
        except csv.Error as exc:
            raise InputError(f"{path.name}: the header line is not CSV ({exc})") from None
        if len(set(header)) != len(header):
            raise InputError(f"{path.name}: the header names a column twice: {header}")
        line = 0
        while True:
            line += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Row({}, line, f"row {line} is not valid CSV ({exc})")
                continue
            if not cells:
                line -= 1
                continue
            if len(cells) != len(header):
                yield Row(dict(zip(header, cells)), line,
                          f"row {line} has {len(cells)} fields; the header has {len(header)}")
                continue
            yield Row(dict(zip(header, cells)), line)


# -- cutting into units and chunks ------------------------------------------------------------------
@dataclass
class Unit:
    """One input for the pipeline: a row, or a group of rows (e.g. one series)."""
    rows: list[Row]
    error: str | None = None
    input: Any = None


@dataclass
class Chunk:
    index: int
    units: list[Unit] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return sum(len(u.rows) for u in self.units)


def units(rows: Iterator[Row], task, column: str) -> Iterator[Unit]:
    """Rows -> units: each row alone, or with ``task.map_group`` each run of rows with the same key
    (a key that comes back after another is an error: the file must be grouped)."""
    group = task.map_group
    if group is None:
        for row in rows:
            yield _unit(task, [row], column)
        return
    seen: set = set()
    current: list[Row] = []
    for row in rows:
        key = row.values.get(group)
        if current and key != current[0].values.get(group):
            yield _unit(task, current, column, seen)
            current = []
        current.append(row)
    if current:
        yield _unit(task, current, column, seen)


def _unit(task, rows: list[Row], column: str, seen: set | None = None) -> Unit:
    unit = Unit(rows)
    broken = next((r.error for r in rows if r.error), None)
    if broken:
        unit.error = broken
        return unit
    if seen is not None:
        key = rows[0].values.get(task.map_group)
        if key in seen:
            unit.error = (f"{task.map_group} {key!r} appears again at row {rows[0].line}, after other groups: "
                          f"sort or group the file by {task.map_group}")
            return unit
        seen.add(key)
    if any(column not in r.values for r in rows):
        unit.error = f"the row has no column {column!r}"
        return unit
    try:
        unit.input = task.map_input([r.values for r in rows], column)
        task.validate(unit.input)
    except InputError as exc:
        unit.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one unit's surprise is its own error
        unit.error = f"could not read this input ({type(exc).__name__})"
    return unit


def chunks(unit_iter: Iterator[Unit], chunk_rows: int, batch: int = BATCH) -> Iterator[Chunk]:
    """Units in chunks of about ``chunk_rows`` input rows (a unit is never split), numbered.

    A chunk ends only after a whole number of ``batch``-sized model batches of predictable units,
    so every model batch holds the same inputs whatever the chunk size, and so whichever engine
    runs it: the last digits of a result can depend on which inputs share its batch. Past
    ``chunk_rows`` a chunk takes at most ``batch - 1`` more predictable units (and any unreadable
    rows between them, which hold no more than their text)."""
    chunk, rows, good = Chunk(0), 0, 0
    for unit in unit_iter:
        chunk.units.append(unit)
        rows += len(unit.rows)
        good += unit.error is None
        if rows >= chunk_rows and good % batch == 0:
            yield chunk
            chunk, rows, good = Chunk(chunk.index + 1), 0, 0
    if chunk.units:
        yield chunk


# -- predicting -------------------------------------------------------------------------------------
def predict_units(pipe, inputs: list, params: dict, batch: int = BATCH) -> list[tuple[dict | None, str | None]]:
    """(result, error) per input, in order: batched, and a batch that fails is retried one by
    one so that one input's error is its own."""
    out: list[tuple[dict | None, str | None]] = []
    for start in range(0, len(inputs), batch):
        part = inputs[start:start + batch]
        try:
            out += [(r, None) for r in pipe.batch(part, **params)]
            continue
        except Exception as exc:  # noqa: BLE001 - find which input it was
            if len(part) == 1:
                out.append((None, _message(exc)))
                continue
        for x in part:
            try:
                out.append((pipe.batch([x], **params)[0], None))
            except Exception as exc:  # noqa: BLE001
                out.append((None, _message(exc)))
    return out


def _message(exc: Exception) -> str:
    if isinstance(exc, (InputError, ZooError)):
        return str(exc)
    return f"the model failed on this input ({type(exc).__name__})"


def output_rows(task, chunk: Chunk, results: list[tuple[dict | None, str | None]]) -> list[dict]:
    """The chunk's output rows, in input order: ``task.map_output`` for each predicted unit, the
    unit's rows with an ``error`` for the rest."""
    rows, todo = [], iter(results)
    for unit in chunk.units:
        if unit.error is None:
            result, error = next(todo)
            if error is None:
                rows += [{**r, ERROR: None} for r in task.map_output([x.values for x in unit.rows], result)]
                continue
            unit.error = error
        rows += task.map_error([x.values for x in unit.rows], unit.error)
    return rows


class LocalEngine:
    """Predicts a chunk's units in this process."""
    name = "local"

    def __init__(self, task, checkpoint: str | None, device: str | None, params: dict, batch: int, threads: int):
        import torch

        from .pipelines import pipeline

        self.pipe = pipeline(task, checkpoint=checkpoint, device=device)
        self.params, self.batch = params, batch
        self.torch, self.threads_before = torch, torch.get_num_threads()
        torch.set_num_threads(threads)

    def predict(self, inputs: list) -> list[tuple[dict | None, str | None]]:
        return predict_units(self.pipe, inputs, self.params, self.batch)

    def close(self) -> None:
        self.torch.set_num_threads(self.threads_before)


# -- parts, resume and the joined output ------------------------------------------------------------
def _manifest(task, source: Path, column: str, checkpoint: str | None, params: dict, chunk_rows: int,
              batch: int = BATCH) -> dict:
    # batch too: chunks end on batch boundaries, so another batch size cuts other chunks.
    stat = source.stat()
    return {"task": task.name, "input": str(source.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "column": column, "checkpoint": checkpoint, "params": params, "chunk_rows": chunk_rows, "batch": batch}


def parts_folder(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


def _start_parts(folder: Path, manifest: dict, restart: bool) -> None:
    path = folder / "manifest.json"
    if folder.exists() and path.is_file() and not restart:
        before = json.loads(path.read_text())
        if before != manifest and any(folder.glob("part-*")):  # without parts there is nothing to keep
            changed = sorted(k for k in manifest if before.get(k) != manifest[k])
            raise InputError(f"{folder} holds an unfinished run with other settings ({', '.join(changed)} differ): "
                             "run it as before to resume, or add --restart to start over")
        if before == manifest:
            return
    if folder.exists():
        for p in folder.glob("part-*"):
            p.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=1))


def _part(folder: Path, index: int) -> Path:
    return folder / f"part-{index:06d}.jsonl"


def _write_part(folder: Path, index: int, rows: list[dict]) -> None:
    tmp = folder / f".part-{index:06d}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(jsontext.dumps(row, ensure_ascii=False, default=str) + "\n")
    os.replace(tmp, _part(folder, index))  # a part exists only when whole: a killed run redoes just this one


def _part_rows(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def join_parts(folder: Path, output: Path) -> tuple[int, int]:
    """Every part, in order, into ``output`` (its format from its name); returns the row count
    and how many rows carry an error."""
    paths = sorted(folder.glob("part-*.jsonl"))
    columns: dict[str, None] = {}
    errors = 0
    for path in paths:  # the header needs every column any part has, in first-seen order
        for row in _part_rows(path):
            columns.update(dict.fromkeys(row))
            errors += bool(row.get(ERROR))
    if ERROR in columns:  # the error column last, where a reader looks for it
        columns.pop(ERROR)
        columns[ERROR] = None
    names = list(columns)
    fmt, n = file_format(output), 0
    tmp = output.with_name(f".{output.name}.tmp")
    if fmt == "csv":
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=names)
            writer.writeheader()
            for path in paths:
                for row in _part_rows(path):
                    writer.writerow({k: _cell(v) for k, v in row.items()})
                    n += 1
    elif fmt == "jsonl":
        with open(tmp, "w", encoding="utf-8") as f:
            for path in paths:
                for row in _part_rows(path):
                    f.write(jsontext.dumps({k: row.get(k) for k in names}, ensure_ascii=False) + "\n")
                    n += 1
    else:
        n = _join_parquet(paths, names, tmp)
    os.replace(tmp, output)
    return n, errors


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return jsontext.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _join_parquet(paths: list[Path], names: list[str], tmp: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    schemas = []
    for path in paths:  # one pass for a schema every part fits (a column all-null in one part widens)
        rows = list(_part_rows(path))
        schemas.append(pa.Table.from_pylist([{k: r.get(k) for k in names} for r in rows]).schema)
    schema = pa.unify_schemas(schemas, promote_options="permissive") if schemas else pa.schema([])
    writer = pq.ParquetWriter(tmp, schema)
    try:
        for path in paths:
            rows = [{k: r.get(k) for k in names} for r in _part_rows(path)]
            table = pa.Table.from_pylist(rows).cast(schema) if rows else None
            if table is not None:
                writer.write_table(table)
                n += len(rows)
    finally:
        writer.close()
    return n


# -- the command ------------------------------------------------------------------------------------
def run(task, source: str | Path, output: str | Path, column: str | None = None, checkpoint: str | None = None,
        params: dict | None = None, *, engine: str = "local", address: str | None = None, device: str | None = None,
        chunk_rows: int | None = None, batch: int = BATCH, restart: bool = False, progress: bool = True,
        workers: int | None = None, threads: int | None = None) -> dict:
    """Map ``task`` over the file ``source`` into ``output``; see the module docstring."""
    import torch

    from .plugins import registry

    task = registry().task(task) if isinstance(task, str) else task
    source, output = Path(source), Path(output)
    if not source.is_file():
        raise InputError(f"{source}: no such file")
    file_format(source), file_format(output)
    if output.resolve() == source.resolve():
        raise InputError("the output would overwrite the input: give another OUTPUT")
    column = column or task.map_column
    columns = file_columns(source)
    if columns is not None and column not in columns:  # the whole file, not a row, lacks it: a usage error
        raise InputError(f"{source.name} has no column {column!r}; its columns: {', '.join(map(repr, columns))} "
                         f"(name the one to read with --column)")
    chunk_rows = chunk_rows or (RAY_CHUNK_ROWS if engine == "ray" else CHUNK_ROWS)
    params = task.coerce_params(params or {})
    # Threads per computing process (this one, or each Ray actor), the same for both engines: the
    # last digits of a result can depend on how many threads split a matrix product.
    threads = torch.get_num_threads() if threads is None else threads
    if threads < 1:
        raise InputError(f"--threads must be at least 1, got {threads}")
    if batch < 1 or chunk_rows < 1:
        raise InputError(f"--batch and --chunk-rows must be at least 1, got {batch} and {chunk_rows}")
    folder = parts_folder(output)
    _start_parts(folder, _manifest(task, source, column, checkpoint, params, chunk_rows, batch), restart)
    done = {int(p.stem.split("-")[1]) for p in folder.glob("part-*.jsonl")}
    if engine == "ray":
        from .mapping_ray import RayEngine

        runner = RayEngine(task, checkpoint, device, params, batch, address=address, workers=workers, threads=threads)
    elif engine == "local":
        runner = LocalEngine(task, checkpoint, device, params, batch, threads)
    else:
        raise InputError(f"--engine must be local or ray, got {engine!r}")
    counts = {"rows_in": 0, "units": 0, "errors": 0, "chunks": 0, "chunks_resumed": 0}
    bar = _progress(source, progress)
    try:
        for chunk in chunks(units(read_rows(source), task, column), chunk_rows, batch):
            counts["chunks"] += 1
            counts["rows_in"] += chunk.n_rows
            counts["units"] += len(chunk.units)
            if chunk.index in done:
                counts["chunks_resumed"] += 1
                bar.update(chunk.n_rows)
                continue
            todo = [u.input for u in chunk.units if u.error is None]
            rows = output_rows(task, chunk, runner.predict(todo) if todo else [])
            _write_part(folder, chunk.index, rows)
            bar.update(chunk.n_rows)
    finally:
        bar.close()
        runner.close()
    rows_out, errors = join_parts(folder, output)
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    counts.update(rows_out=rows_out, errors=errors)
    return {"task": task.name, "input": str(source), "output": str(output), "column": column,
            "engine": runner.name, **counts}


def _progress(source: Path, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=None, unit=" rows", desc=source.name, disable=not enabled, file=sys.stderr, mininterval=1.0)


def digest(path: Path) -> str:
    """A file's content hash (tests and benchmarks compare two engines' outputs with it)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
