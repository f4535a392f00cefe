"""A minimal Hugging Face Hub-compatible HTTP server (stdlib only) that serves model repos from
local folders, so tests exercise the real huggingface_hub protocol with no internet.

    with HubServer({"org/name": (folder, revision)}) as hub:
        os.environ["HF_ENDPOINT"] = hub.url

Downloads: ``/api/models/{repo}/revision/{rev}``, ``/api/models/{repo}/tree/{rev}`` and
``HEAD``/``GET /{repo}/resolve/{rev}/{path}``; unknown repos, revisions and files get the Hub's
``X-Error-Code`` answers. Uploads (``HfApi.create_repo`` and ``upload_folder``, with
``HF_HUB_DISABLE_XET=1``): ``POST /api/repos/create``, ``/api/validate-yaml``,
``/api/models/{repo}/preupload/{rev}`` (every file "regular", so contents come inline) and
``/api/models/{repo}/commit/{rev}`` (NDJSON), which stores a new revision with a git-style 40-hex
id under ``storage``. With ``token`` set, writes need ``Authorization: Bearer <token>``.
``requests`` counts what was asked, for assertions.
"""
from __future__ import annotations

import base64
import collections
import hashlib
import json
import shutil
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..checkpoint import repo_files


def _git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HubServer:
    def __init__(self, repos: dict[str, tuple[Path, str]] | None = None, host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None, storage: Path | None = None):
        # repos: the head of each repo; history: every revision ever served, by repo and id.
        self.repos = {rid: (Path(folder), rev) for rid, (folder, rev) in (repos or {}).items()}
        self.history: dict[str, dict[str, Path]] = collections.defaultdict(dict)
        self.requests: collections.Counter = collections.Counter()
        self.token = token
        self.storage = Path(storage) if storage else Path(tempfile.mkdtemp(prefix="hub-server-"))
        self._write_lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, code, body=b"", headers=None, head=False):
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _error(self, code, error_code, message, head=False):
                body = json.dumps({"error": message}).encode()
                self._send(code, body, {"X-Error-Code": error_code, "X-Error-Message": message,
                                        "Content-Type": "application/json"}, head)

            def _json(self, obj):
                self._send(200, json.dumps(obj).encode(), {"Content-Type": "application/json"})

            def _repo(self, repo_id, rev, head=False):
                if repo_id not in server.repos:
                    self._error(404, "RepoNotFound", f"Repository {repo_id} not found", head)
                    return None
                folder, sha = server.repos[repo_id]
                rev = urllib.parse.unquote(rev)
                if rev == "main" or rev == sha:
                    return folder, sha
                if rev in server.history.get(repo_id, {}):
                    return server.history[repo_id][rev], rev
                self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}", head)
                return None

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _authorized(self) -> bool:
                if server.token is None or self.headers.get("Authorization") == f"Bearer {server.token}":
                    return True
                self._error(401, "Unauthorized", "Invalid credentials in Authorization header")
                return False

            def do_POST(self):
                path = urllib.parse.urlsplit(self.path).path
                parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
                server.requests[(self.command, path)] += 1
                body = self._body()
                if parts == ["api", "validate-yaml"]:
                    return self._validate_yaml(json.loads(body))
                if not self._authorized():
                    return
                if parts == ["api", "repos", "create"]:
                    return self._create(json.loads(body))
                if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] in ("preupload", "commit"):
                    repo_id = f"{parts[2]}/{parts[3]}"
                    if repo_id not in server.repos:
                        return self._error(404, "RepoNotFound", f"Repository {repo_id} not found")
                    if parts[4] == "preupload":
                        # The oid of what the head holds lets the client skip unchanged files (and an
                        # unchanged repo makes no new commit), as on the Hub.
                        head = repo_files(server.repos[repo_id][0])
                        files = json.loads(body)["files"]
                        return self._json({"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                                      "oid": _git_blob_id(head[f["path"]]) if f["path"] in head else None}
                                                     for f in files]})
                    return self._commit(repo_id, body)
                self._error(404, "EntryNotFound", f"no such endpoint {path}")

            def _validate_yaml(self, payload):
                import yaml

                text = payload.get("content", "")
                errors = []
                if text.startswith("---"):
                    try:
                        meta = yaml.safe_load(text.split("---", 2)[1])
                        if meta is not None and not isinstance(meta, dict):
                            errors.append({"message": "metadata must be a YAML mapping"})
                    except (yaml.YAMLError, IndexError) as exc:
                        errors.append({"message": f"invalid YAML: {exc}"})
                if errors:
                    return self._send(400, json.dumps({"errors": errors}).encode(), {"Content-Type": "application/json"})
                self._json({"errors": [], "warnings": []})

            def _create(self, payload):
                repo_id = f"{payload.get('organization') or 'user'}/{payload['name']}"
                with server._write_lock:
                    if repo_id in server.repos:
                        body = json.dumps({"error": "You already created this model repo", "url": f"{server.url}/{repo_id}"})
                        return self._send(409, body.encode(), {"Content-Type": "application/json"})
                    empty = server.storage / repo_id / "empty"
                    empty.mkdir(parents=True, exist_ok=True)
                    server.repos[repo_id] = (empty, hashlib.sha1(repo_id.encode()).hexdigest())
                self._json({"url": f"{server.url}/{repo_id}", "name": repo_id})

            def _commit(self, repo_id, body):
                lines = [json.loads(line) for line in body.splitlines() if line.strip()]
                header = next((item["value"] for item in lines if item["key"] == "header"), {})
                with server._write_lock:
                    parent_folder, parent = server.repos[repo_id]
                    staging = server.storage / repo_id / "staging"
                    shutil.rmtree(staging, ignore_errors=True)
                    shutil.copytree(parent_folder, staging)
                    for item in lines:
                        value = item["value"]
                        target = staging / value.get("path", "")
                        if item["key"] == "file":
                            target.parent.mkdir(parents=True, exist_ok=True)
                            data = value["content"]
                            target.write_bytes(base64.b64decode(data) if value.get("encoding") == "base64" else data.encode())
                        elif item["key"] == "deletedFile":
                            target.unlink(missing_ok=True)
                        elif item["key"] != "header":
                            return self._error(400, "BadRequest", f"this test server does not take {item['key']!r}")
                    # A git-like id: the parent, the message and every file's bytes.
                    digest = hashlib.sha1(f"{parent}\n{header.get('summary', '')}\n".encode())
                    for name, p in repo_files(staging).items():
                        digest.update(name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
                    sha = digest.hexdigest()
                    final = server.storage / repo_id / sha
                    if final.exists():
                        shutil.rmtree(staging)
                    else:
                        staging.rename(final)
                    server.history[repo_id][sha] = final
                    server.repos[repo_id] = (final, sha)
                self._json({"commitUrl": f"{server.url}/{repo_id}/commit/{sha}", "commitOid": sha,
                            "success": True})

            def _handle(self, head: bool):
                path = urllib.parse.urlsplit(self.path).path
                parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
                server.requests[(self.command, path)] += 1
                if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] in ("revision", "tree"):
                    repo_id, kind, rev = f"{parts[2]}/{parts[3]}", parts[4], parts[5]
                    found = self._repo(repo_id, rev, head)
                    if not found:
                        return
                    folder, sha = found
                    files = repo_files(folder)
                    if kind == "revision":
                        self._json({"id": repo_id, "modelId": repo_id, "sha": sha, "private": False,
                                    "siblings": [{"rfilename": name} for name in files]})
                    else:
                        self._json([{"type": "file", "path": name, "size": p.stat().st_size,
                                     "oid": hashlib.sha1(p.read_bytes()).hexdigest()} for name, p in files.items()])
                    return
                if len(parts) >= 5 and parts[2] == "resolve":
                    repo_id, rev, name = f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:])
                    found = self._repo(repo_id, rev, head)
                    if not found:
                        return
                    folder, sha = found
                    file = repo_files(folder).get(name)
                    if file is None:
                        self._error(404, "EntryNotFound", f"{name} does not exist at {rev}", head)
                        return
                    data = file.read_bytes()
                    etag = hashlib.sha256(data).hexdigest()
                    self._send(200, data, {"X-Repo-Commit": sha, "ETag": f'"{etag}"',
                                           "Content-Type": "application/octet-stream"}, head)
                    return
                self._error(404, "EntryNotFound", f"no such endpoint {path}", head)

            def do_GET(self):
                self._handle(head=False)

            def do_HEAD(self):
                self._handle(head=True)

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread: threading.Thread | None = None

    def start(self) -> HubServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="hub-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
