"""harness.py — real processes for the integration tests.

`./dev test` starts one shared stack (PostgreSQL, Redis, ehall-core, ehall-gateway) and passes
its addresses in EHALL_TEST_* variables. Tests that must stop or break something start PRIVATE
processes here instead (a core, a gateway, even a PostgreSQL cluster), so the shared stack keeps
serving the other tests. Nothing here is a mock: every process is the real binary.
"""
import atexit
import http.client as _httpclient
import importlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
import urllib.parse


def env(name):
    v = os.environ.get(name)
    if not v:
        raise RuntimeError(f"{name} is not set: run the integration tests through ./dev test")
    return v


REPO = os.environ.get("EHALL_REPO") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_procs = []


def tmpdir():
    base = os.environ.get("EHALL_TEST_TMP") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix="it-", dir=base)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Proc:
    """A started binary: .addr/.port (.url for a gateway), .proc, .log_path, .stop(), .log()."""

    def __init__(self, name, argv, environ, port, log_path):
        self.name = name
        self.port = port
        self.addr = f"127.0.0.1:{port}"
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, env=environ, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=REPO)
        _procs.append(self)

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def _base_env():
    e = {k: v for k, v in os.environ.items() if not k.startswith(("EHALL_CORE_", "EHALL_GATEWAY_"))}
    return e


def start_core(env=None, args=None, wait=True, pg_dsn=None, redis_port=None):
    """A private ehall-core on a free port against the shared PostgreSQL and Redis (or the
    private ones given: see private_stores)."""
    port = free_port()
    e = _base_env()
    e.update({
        "EHALL_CORE_LISTEN": f"127.0.0.1:{port}",
        "EHALL_CORE_PG_DSN": pg_dsn or env_or("EHALL_TEST_PG_DSN"),
        "EHALL_CORE_REDIS_HOST": "127.0.0.1",
        "EHALL_CORE_REDIS_PORT": str(redis_port or env_or("EHALL_TEST_REDIS_PORT")),
        "EHALL_CORE_MIGRATIONS_DIR": os.path.join(REPO, "migrations"),
        "EHALL_CORE_GATEWAY_SECRET": os.environ.get("EHALL_TEST_GATEWAY_SECRET", ""),
    })
    e.update(env or {})
    log = os.path.join(tmpdir(), "core.log")
    p = Proc("core", [env_or("EHALL_CORE_BIN")] + list(args or []), e, port, log)
    if wait and not wait_port(port, proc=p.proc):
        raise RuntimeError(f"ehall-core did not start:\n{p.log()}")
    return p


def run_core(args, env=None, pg_dsn=None, timeout=60):
    """Runs ehall-core to completion (e.g. `migrate`); returns (returncode, output)."""
    e = _base_env()
    e.update({
        "EHALL_CORE_PG_DSN": pg_dsn or env_or("EHALL_TEST_PG_DSN"),
        "EHALL_CORE_REDIS_PORT": env_or("EHALL_TEST_REDIS_PORT"),
        "EHALL_CORE_MIGRATIONS_DIR": os.path.join(REPO, "migrations"),
    })
    e.update(env or {})
    r = subprocess.run([env_or("EHALL_CORE_BIN")] + list(args), env=e, cwd=REPO, capture_output=True,
                       timeout=timeout)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


def start_gateway(core_addr, env=None, wait=True):
    """A private ehall-gateway on a free port in front of `core_addr`."""
    port = free_port()
    e = _base_env()
    e.update({
        "EHALL_GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "EHALL_GATEWAY_CORE_ADDR": core_addr,
        "EHALL_GATEWAY_CORE_SECRET": os.environ.get("EHALL_TEST_GATEWAY_SECRET", ""),
        "EHALL_GATEWAY_STATIC_DIR": os.path.join(REPO, "miniprogram", "dist", "build", "h5"),
    })
    e.update(env or {})
    log = os.path.join(tmpdir(), "gateway.log")
    p = Proc("gateway", [env_or("EHALL_GATEWAY_BIN")], e, port, log)
    if wait and not wait_port(port, proc=p.proc):
        raise RuntimeError(f"ehall-gateway did not start:\n{p.log()}")
    return p


def env_or(name):
    return env(name)


def redis_cli(*args):
    """One command to the test set-up's Redis (redis-cli); its answer as text."""
    r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", env("EHALL_TEST_REDIS_PORT")]
                       + [str(a) for a in args], capture_output=True, check=True)
    return r.stdout.decode().strip()


# --- a private PostgreSQL cluster -------------------------------------------------------------

PG_BIN = "/usr/lib/postgresql/15/bin"


def _pg_user():
    """PostgreSQL refuses to run as root: run it as the `postgres` system user when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
        return "postgres"
    except KeyError:
        return None


def _as_pg(argv):
    u = _pg_user()
    return (["runuser", "-u", u, "--"] + argv) if u else argv


class Pg:
    def __init__(self):
        self.dir = tmpdir()
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.dsn = f"host=127.0.0.1 port={self.port} dbname=ehall user=ehall connect_timeout=2"
        u = _pg_user()
        if u:
            shutil.chown(self.dir, u)
        subprocess.run(_as_pg([f"{PG_BIN}/initdb", "-D", self.data, "-U", "ehall", "--auth=trust",
                               "-E", "UTF8", "--locale=C.UTF-8", "-N"]),
                       check=True, capture_output=True)
        self.start()
        subprocess.run(_as_pg([f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "ehall",
                               "-d", "postgres", "-qc", "CREATE DATABASE ehall"]),
                       check=True, capture_output=True)
        _procs.append(self)

    def start(self):
        subprocess.run(_as_pg([f"{PG_BIN}/pg_ctl", "-D", self.data, "-w", "-l",
                               os.path.join(self.dir, "pg.log"), "-o",
                               f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
                               "-c fsync=off -c synchronous_commit=off", "start"]),
                       check=True, capture_output=True)

    def stop(self, sig=None, timeout=None):
        subprocess.run(_as_pg([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"]),
                       capture_output=True)


def start_postgres():
    return Pg()


class Redis:
    """A private Redis server on a free loopback port (no persistence); .port, .stop()."""

    def __init__(self):
        self.dir = tmpdir()
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _procs.append(self)
        if not wait_port(self.port, proc=self.proc):
            raise RuntimeError("redis-server did not start")

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout)


def private_stores():
    """A private, migrated PostgreSQL and a private Redis, for tests whose core must not share
    state with the shared stack: the shared core's mail sender drains any mail_outbox it can
    see, and Redis keys name accounts by their PostgreSQL id, which two databases reuse.
    Returns (pg, redis); pass pg.dsn and redis.port to start_core."""
    pg = Pg()
    rc, out = run_core(["migrate"], pg_dsn=pg.dsn)
    if rc != 0:
        raise RuntimeError(f"migrate failed:\n{out}")
    return pg, Redis()


@atexit.register
def _cleanup():
    for p in reversed(_procs):
        try:
            p.stop()
        except Exception:
            pass


# --- generated gRPC modules for proto/ -------------------------------------------------------

PROTO_ROOTS = [os.path.join(REPO, "proto"), "/usr/include",
               "/usr/share/gocode/src/github.com/gogo/googleapis", "/usr/share/grpc-proto"]
_modules = None


def grpc_modules():
    """Generates python modules for every proto of ours (plus health and reflection) once."""
    global _modules
    if _modules is not None:
        return _modules
    out = os.path.join(os.environ.get("EHALL_TEST_TMP") or tempfile.gettempdir(), "pygen")
    stamp = os.path.join(out, ".done")
    if not os.path.exists(stamp):
        os.makedirs(out, exist_ok=True)
        ours = []
        for root, _, files in os.walk(os.path.join(REPO, "proto", "ehall")):
            ours += [os.path.relpath(os.path.join(root, f), os.path.join(REPO, "proto"))
                     for f in files if f.endswith(".proto")]
        protos = sorted(ours) + ["google/api/annotations.proto", "google/api/http.proto",
                                 "google/api/httpbody.proto",
                                 "google/rpc/status.proto", "google/rpc/error_details.proto",
                                 "grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto",
                                 "grpc/reflection/v1alpha/reflection.proto"]
        cmd = ["protoc"] + [f"-I{r}" for r in PROTO_ROOTS] + [
            f"--python_out={out}", f"--grpc_python_out={out}",
            "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin"] + protos
        subprocess.run(cmd, check=True)
        # No __init__.py anywhere: `ehall` and `google` stay namespace packages (Debian's
        # google.protobuf is one too); grpc/* is loaded by path below, since the real `grpc`
        # package would hide it.
        open(stamp, "w").close()
    if out not in sys.path:
        sys.path.insert(0, out)
    ns = types.SimpleNamespace()
    ns.system_pb2 = importlib.import_module("ehall.system.v1.system_pb2")
    ns.system_pb2_grpc = importlib.import_module("ehall.system.v1.system_pb2_grpc")
    ns.feedback_pb2 = importlib.import_module("ehall.feedback.v1.feedback_pb2")
    ns.feedback_pb2_grpc = importlib.import_module("ehall.feedback.v1.feedback_pb2_grpc")
    ns.health_pb2 = _import_path(out, "grpc/health/v1/health_pb2.py", "ehall_gen_health_pb2")
    ns.health_pb2_grpc = _import_path(out, "grpc/health/v1/health_pb2_grpc.py", "ehall_gen_health_pb2_grpc",
                                      {"grpc.health.v1.health_pb2": ns.health_pb2})
    ns.reflection_pb2 = _import_path(out, "grpc/reflection/v1/reflection_pb2.py", "ehall_gen_refl_pb2")
    ns.reflection_pb2_grpc = _import_path(out, "grpc/reflection/v1/reflection_pb2_grpc.py",
                                          "ehall_gen_refl_pb2_grpc",
                                          {"grpc.reflection.v1.reflection_pb2": ns.reflection_pb2})
    ns.reflection_v1alpha_pb2 = _import_path(out, "grpc/reflection/v1alpha/reflection_pb2.py",
                                             "ehall_gen_refl_a_pb2")
    ns.reflection_v1alpha_pb2_grpc = _import_path(out, "grpc/reflection/v1alpha/reflection_pb2_grpc.py",
                                                  "ehall_gen_refl_a_pb2_grpc",
                                                  {"grpc.reflection.v1alpha.reflection_pb2": ns.reflection_v1alpha_pb2})
    ns.status_pb2 = importlib.import_module("google.rpc.status_pb2")
    ns.error_details_pb2 = importlib.import_module("google.rpc.error_details_pb2")
    _modules = ns
    return ns


def _import_path(out, rel, name, aliases=None):
    """Imports a generated module by file path. The generated grpc/... tree would shadow the real
    `grpc` package, so those files are loaded under private names; `aliases` maps the import
    statements inside *_pb2_grpc.py to modules already loaded."""
    import importlib.util
    path = os.path.join(out, rel)
    src = open(path, encoding="utf-8").read()
    for mod_name, mod in (aliases or {}).items():
        pkg, _, leaf = mod_name.rpartition(".")
        sys.modules.setdefault("_ehall_alias_" + leaf + name, mod)
        src = src.replace(f"from {pkg} import {leaf} as", f"import _ehall_alias_{leaf}{name} as")
    spec = importlib.util.spec_from_loader(name, loader=None)
    m = importlib.util.module_from_spec(spec)
    m.__file__ = path
    exec(compile(src, path, "exec"), m.__dict__)
    sys.modules[name] = m
    return m


# --- raw HTTP ---------------------------------------------------------------------------------

def http(method, url, body=None, headers=None, timeout=10):
    """One HTTP request on a fresh connection: (status, lower-cased headers, body bytes)."""
    u = urllib.parse.urlsplit(url)
    c = _httpclient.HTTPConnection(u.hostname, u.port, timeout=timeout)
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    if isinstance(body, str):
        body = body.encode("utf-8")
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    h = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, h, data


# --- small helpers shared by the tests --------------------------------------------------------

def wait_for(fn, timeout=30.0, step=0.1):
    """Polls fn() until it returns a truthy value or `timeout` passes; returns the last value.
    (A bound on waiting for an outside event, not a timing assertion.)"""
    end = time.monotonic() + timeout
    v = fn()
    while not v and time.monotonic() < end:
        time.sleep(step)
        v = fn()
    return v


def grpc_status_details(err):
    """The google.rpc.Status in a grpc.RpcError's grpc-status-details-bin trailer, or None."""
    m = grpc_modules()
    for k, v in err.trailing_metadata() or ():
        if k == "grpc-status-details-bin":
            st = m.status_pb2.Status()
            st.ParseFromString(v)
            return st
    return None
