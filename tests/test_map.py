"""``zoo map``: a task over every row of a table. Every input row comes out, in order, with its
result or the reason it has none; a killed run resumes without redoing finished chunks; the Ray
engine writes exactly what the local engine writes."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import zoo
from zoo import mapping

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = ["A fine film.", "Dull and far too long.", "", "Great fun!", "   ", "An utter mess of a movie.",
           "Moving, funny and wise.", "I want my two hours back."]


def _csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _read(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_every_row_comes_out_in_order_with_its_result_or_its_error(tmp_path):
    src = _csv(tmp_path / "in.csv", ["id", "text", "label"], [[i, t, i % 2] for i, t in enumerate(REVIEWS)])
    with open(src, "a") as f:
        f.write('99,"one field too many",1,extra\n')
    summary = zoo.map("sentiment", src, tmp_path / "out.csv", progress=False)

    rows = _read(tmp_path / "out.csv")
    assert [r["id"] for r in rows] == [str(i) for i in range(len(REVIEWS))] + ["99"]
    assert summary["rows_in"] == summary["rows_out"] == len(REVIEWS) + 1 and summary["errors"] == 3
    pipe = zoo.pipeline("sentiment")
    for row, text in zip(rows, REVIEWS):
        if text.strip():
            expected = pipe(text)
            assert row["error"] == "" and row["result.label"] == expected["label"]  # the input's own label kept
            assert float(row["probabilities.positive"]) == pytest.approx(expected["probabilities"]["positive"])
        else:
            assert "empty" in row["error"] and row["result.label"] == ""
    assert rows[-1]["error"] == "row 9 has 4 fields; the header has 3"
    assert [r["label"] for r in rows[:-1]] == [str(i % 2) for i in range(len(REVIEWS))]
    assert not mapping.parts_folder(tmp_path / "out.csv").exists()  # parts are cleaned up once joined


def test_parquet_and_json_lines_in_and_out_keep_the_rows_and_their_types(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"n": list(range(len(REVIEWS))), "review": REVIEWS}), tmp_path / "in.parquet")
    zoo.map("sentiment", tmp_path / "in.parquet", tmp_path / "out.jsonl", column="review", progress=False)
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["n"] for r in rows] == list(range(len(REVIEWS)))  # ints stay ints
    assert all((r["label"] in ("positive", "negative")) == bool(t.strip()) for r, t in zip(rows, REVIEWS))

    zoo.map("sentiment", tmp_path / "out.jsonl", tmp_path / "again.parquet", column="review", progress=False)
    table = pq.read_table(tmp_path / "again.parquet").to_pylist()
    assert [r["n"] for r in table] == list(range(len(REVIEWS))) and table[0]["result.label"] == rows[0]["label"]


def test_bad_files_and_options_get_clear_messages(tmp_path):
    src = _csv(tmp_path / "in.csv", ["text"], [["A fine film."]])
    with pytest.raises(zoo.InputError, match=r"\.csv, \.parquet or \.jsonl"):
        zoo.map("sentiment", src, tmp_path / "out.xlsx", progress=False)
    with pytest.raises(zoo.InputError, match="no such file"):
        zoo.map("sentiment", tmp_path / "missing.csv", tmp_path / "out.csv", progress=False)
    with pytest.raises(zoo.InputError, match="overwrite the input"):
        zoo.map("sentiment", src, src, progress=False)
    with pytest.raises(zoo.InputError, match="--threads must be at least 1, got 0"):
        zoo.map("sentiment", src, tmp_path / "threads.csv", threads=0, progress=False)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(zoo.InputError, match="empty: a CSV needs a header"):
        zoo.map("sentiment", tmp_path / "empty.csv", tmp_path / "out.csv", progress=False)
    # A column the whole file lacks is a usage error, said before any work, with the columns it has.
    with pytest.raises(zoo.InputError, match=r"in.csv has no column 'review'; its columns: 'text' \(name the one"):
        zoo.map("sentiment", src, tmp_path / "col.csv", column="review", progress=False)
    assert not (tmp_path / "col.csv").exists() and not (tmp_path / "col.csv.parts").exists()
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [1], "review": ["Fine."]}), tmp_path / "no_text.parquet")
    with pytest.raises(zoo.InputError, match="no_text.parquet has no column 'text'; its columns: 'id', 'review'"):
        zoo.map("sentiment", tmp_path / "no_text.parquet", tmp_path / "out.csv", progress=False)
    # In JSON Lines each line names its own keys: a line without the column is that row's error.
    (tmp_path / "keys.jsonl").write_text('{"text": "Great fun!"}\n{"review": "Dull."}\n')
    zoo.map("sentiment", tmp_path / "keys.jsonl", tmp_path / "keys_out.jsonl", progress=False)
    assert [json.loads(line)["error"] for line in (tmp_path / "keys_out.jsonl").read_text().splitlines()] == [
        None, "the row has no column 'text'"]
    (tmp_path / "bad.jsonl").write_text('{"text": "Great fun!"}\nnot json\n[1, 2]\n')
    zoo.map("sentiment", tmp_path / "bad.jsonl", tmp_path / "bad_out.jsonl", progress=False)
    errors = [json.loads(line)["error"] for line in (tmp_path / "bad_out.jsonl").read_text().splitlines()]
    assert errors[0] is None and errors[1].startswith("line 2 is not JSON") and "JSON list, not an object" in errors[2]


def test_forecasting_reads_the_long_format_and_writes_one_row_per_series_and_step(tmp_path):
    air = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170,
           158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166]
    rows = [["air", f"1949-{m:02d}-01" if m <= 12 else f"{1949 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}-01", v]
            for m, v in enumerate(air, 1)]
    rows += [["steps", t, v] for t, v in enumerate(air, 1)]
    rows += [["short", t, v] for t, v in enumerate(air[:5], 1)]
    rows += [["air", "1952-01-01", 1.0]]  # the id comes back after other series
    src = _csv(tmp_path / "long.csv", ["unique_id", "ds", "y"], rows)
    zoo.map("forecasting", src, tmp_path / "fc.csv", params={"horizon": 6}, progress=False)
    out = _read(tmp_path / "fc.csv")

    air_rows = [r for r in out if r["unique_id"] == "air"]
    assert [r["ds"] for r in air_rows[:6]] == ["1952-01-01", "1952-02-01", "1952-03-01", "1952-04-01",
                                               "1952-05-01", "1952-06-01"]
    dates = [r[1] for r in rows[:len(air)]]  # monthly dates: the season length is 12, as the map reads them
    expected = zoo.pipeline("forecasting")({"values": air, "dates": dates}, horizon=6)
    assert [float(r["forecast"]) for r in air_rows[:6]] == pytest.approx(expected["forecast"])
    assert all(float(r["lo-80"]) <= float(r["forecast"]) <= float(r["hi-80"]) for r in air_rows[:6])
    assert [r["ds"] for r in out if r["unique_id"] == "steps"] == [str(t) for t in range(37, 43)]
    short = [r for r in out if r["unique_id"] == "short"]
    assert len(short) == 1 and "at least 8 are needed" in short[0]["error"]
    assert "appears again" in air_rows[-1]["error"] and len(air_rows) == 7


def test_a_run_with_other_settings_is_not_mixed_into_unfinished_parts(tmp_path):
    src = _csv(tmp_path / "in.csv", ["text"], [[t] for t in REVIEWS])
    out = tmp_path / "out.csv"
    folder = mapping.parts_folder(out)
    mapping._start_parts(folder, mapping._manifest(zoo.registry().task("sentiment"), src, "text", None, {}, 3), False)
    mapping._write_part(folder, 0, [{"text": REVIEWS[0], "label": "positive", "error": None}])  # chunk 0 was done
    with pytest.raises(zoo.InputError, match="other settings .*chunk_rows.* differ.*--restart"):
        zoo.map("sentiment", src, out, progress=False)
    # Chunks end on batch boundaries: another batch size cuts other chunks, so it is another setting.
    with pytest.raises(zoo.InputError, match="other settings .*batch.* differ.*--restart"):
        zoo.map("sentiment", src, out, chunk_rows=3, batch=2, progress=False)
    with pytest.raises(zoo.InputError, match="--batch and --chunk-rows must be at least 1"):
        zoo.map("sentiment", src, tmp_path / "other.csv", batch=0, progress=False)
    assert zoo.map("sentiment", src, out, progress=False, restart=True)["rows_out"] == len(REVIEWS)


@pytest.mark.slow
def test_a_killed_run_resumes_without_redoing_finished_chunks_and_loses_no_row(tmp_path):
    texts = [f"{REVIEWS[i % len(REVIEWS)]} ({i})" for i in range(3000)]
    src = _csv(tmp_path / "in.csv", ["id", "text"], [[i, t] for i, t in enumerate(texts)])
    out, whole = tmp_path / "out.csv", tmp_path / "whole.csv"
    cmd = [sys.executable, "-m", "zoo", "map", "sentiment", str(src), str(out), "--chunk-rows", "200",
           "--batch", "8", "--threads", "1", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    folder = mapping.parts_folder(out)
    deadline = time.monotonic() + 120
    while len(list(folder.glob("part-*.jsonl"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = len(list(folder.glob("part-*.jsonl")))
    assert 3 <= finished < 15 and not out.exists()

    resumed = json.loads(subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout)
    assert resumed["chunks"] == 15 and resumed["chunks_resumed"] >= finished
    assert resumed["rows_in"] == resumed["rows_out"] == 3000
    zoo.map("sentiment", src, whole, chunk_rows=200, batch=8, threads=1, progress=False)
    assert mapping.digest(out) == mapping.digest(whole)


@pytest.mark.slow
def test_the_ray_engine_writes_exactly_what_the_local_engine_writes(tmp_path):
    pytest.importorskip("ray")
    texts = REVIEWS * 6 + [None]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"i": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    local = zoo.map("sentiment", src, tmp_path / "local.jsonl", chunk_rows=20, batch=4, progress=False)
    # Each engine's own chunk size (as their defaults differ): the model batches are the same.
    ray = zoo.map("sentiment", src, tmp_path / "ray.jsonl", chunk_rows=50, batch=4, engine="ray", workers=1,
                  progress=False)
    assert (local["engine"], ray["engine"]) == ("local", "ray") and ray["errors"] == local["errors"] == 13
    assert mapping.digest(tmp_path / "ray.jsonl") == mapping.digest(tmp_path / "local.jsonl")


@pytest.mark.slow
def test_ray_serve_replicas_answer_the_app_as_the_local_pipeline_does_and_keep_errors_apart(tmp_path):
    """``zoo serve-ray``: the app in front, sentiment as two Ray Serve replicas (a local Ray)."""
    pytest.importorskip("ray.serve")
    from gradio_client import Client

    from zoo.coldstart import app_process

    texts = REVIEWS[:2] + REVIEWS[3:4] + REVIEWS[5:]
    pipe = zoo.pipeline("sentiment")
    command = ["-m", "zoo", "serve-ray", "--replicas", "sentiment=2", "--cpus", "0.5"]
    try:
        with app_process({"HF_HUB_OFFLINE": "1"}, timeout=600, command=command) as (url, _):
            def ask(text):
                return Client(url, verbose=False).predict(text, pipe.source.name, api_name="/sentiment")[-2]

            import concurrent.futures

            with concurrent.futures.ThreadPoolExecutor(6) as pool:
                answers = list(pool.map(ask, texts + ["", "   "]))
    finally:
        subprocess.run([sys.executable, "-m", "ray.scripts.scripts", "stop", "--force"], capture_output=True)
    for text, answer in zip(texts, answers):
        assert answer["label"] == pipe(text)["label"]
        assert answer["probabilities"]["positive"] == pytest.approx(pipe(text)["probabilities"]["positive"], abs=1e-5)
    assert all("empty" in a["error"] for a in answers[len(texts):])


def test_model_batches_hold_the_same_inputs_whatever_the_chunk_size():
    """The last digits of a result can depend on its batch mates, so chunks end on batch boundaries."""
    task = zoo.registry().task("sentiment")
    rows = [mapping.Row({"text": None if i % 7 == 3 else f"review {i}"}, i + 1) for i in range(500)]

    def model_batches(chunk_rows):
        out = []
        for chunk in mapping.chunks(mapping.units(iter(rows), task, "text"), chunk_rows, batch=8):
            todo = [u.input for u in chunk.units if u.error is None]
            out += [todo[k:k + 8] for k in range(0, len(todo), 8)]
        return out

    assert model_batches(10) == model_batches(37) == model_batches(100_000)
    assert len(list(mapping.chunks(mapping.units(iter(rows), task, "text"), 37, batch=8))) > 5


def test_flat_results_keep_scalars_spread_small_dicts_and_leave_deep_structures_out():
    from zoo.task import flat_result

    result = {"label": "positive", "probabilities": {"negative": 0.1, "positive": 0.9}, "notices": ["a", "b"],
              "tokens": [{"token": "a"}], "texts": ["x", "y"], "seed": 7}
    assert flat_result(result) == {"label": "positive", "probabilities.negative": 0.1, "probabilities.positive": 0.9,
                                   "notices": "a; b", "texts": '["x", "y"]', "seed": 7}


def test_replica_counts_name_tasks_and_whole_numbers():
    from zoo.serve_ray import parse_replicas

    assert parse_replicas([], ["sentiment", "translation"]) == {"sentiment": 1, "translation": 1}
    assert parse_replicas(["translation=2"], ["sentiment", "translation"]) == {"translation": 2}
    with pytest.raises(zoo.InputError, match="'chargen' is not a task served by replicas"):
        parse_replicas(["chargen=2"], ["sentiment", "translation"])
    with pytest.raises(zoo.InputError, match="whole number >= 1"):
        parse_replicas(["sentiment=0"], ["sentiment"])
