"""A minimal Hugging Face Hub-compatible HTTP server (stdlib only) that serves model repos from
local folders, so tests exercise the real huggingface_hub download protocol with no internet.

    with HubServer({"org/name": (folder, revision)}) as hub:
        os.environ["HF_ENDPOINT"] = hub.url

Serves ``/api/models/{repo}/revision/{rev}``, ``/api/models/{repo}/tree/{rev}`` and
``HEAD``/``GET /{repo}/resolve/{rev}/{path}``; unknown repos, revisions and files get the Hub's
``X-Error-Code`` answers. ``requests`` counts what was asked, for assertions.
"""
from __future__ import annotations

import collections
import hashlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _files(folder: Path) -> dict[str, Path]:
    return {
        p.relative_to(folder).as_posix(): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


class HubServer:
    def __init__(self, repos: dict[str, tuple[Path, str]], host: str = "127.0.0.1", port: int = 0):
        self.repos = {rid: (Path(folder), rev) for rid, (folder, rev) in repos.items()}
        self.requests: collections.Counter = collections.Counter()
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
                if urllib.parse.unquote(rev) not in (sha, "main"):
                    self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}", head)
                    return None
                return folder, sha

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
                    files = _files(folder)
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
                    file = _files(folder).get(name)
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

    def start(self) -> "HubServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="hub-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "HubServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
