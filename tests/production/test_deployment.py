"""Deployment: the production settings pass Django's deploy checks with no warning, refuse to start without their
required variables, read the proxy and storage set-up from the environment; docker-compose.yml describes the one
host (Docker does not run here, so the file is read with a YAML parser)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

from p2c.staticfiles import StaticFilesStorage

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://p2c:secret@db.internal:5432/p2c",
    "DJANGO_ALLOWED_HOSTS": "pledges.example.org",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
}
# Variables of this machine that would change the production settings under test.
CLEARED = (
    "DJANGO_DEBUG",
    "DJANGO_SECURE_SSL_REDIRECT",
    "SENTRY_DSN",
    "DJANGO_STORAGE_BACKEND",
    "DJANGO_ADMINS",
)


def production_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "P2C_")) and k not in CLEARED}
    env.update(REQUIRED, DJANGO_SETTINGS_MODULE="p2c.settings.production")
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def production_settings(**overrides) -> dict:
    """Some settings of p2c.settings.production, read in a fresh interpreter with the given environment."""
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k, None) for k in ['STORAGES', 'CONTENT_SECURITY_POLICY', "
        "'SECURE_PROXY_SSL_HEADER', 'ALLAUTH_TRUSTED_PROXY_COUNT', 'ALLAUTH_TRUSTED_CLIENT_IP_HEADER', "
        "'ADMINS', 'ADMIN_URL', 'MIDDLEWARE', 'LOGGING']}, default=list))"
    )
    result = run_python(code, production_env(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_passes_with_no_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("variable", sorted(REQUIRED))
def test_production_refuses_to_start_without_a_required_variable(variable):
    result = run_python(
        "from django.conf import settings; settings.DEBUG", production_env(**{variable: None})
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr


def test_security_headers_proxy_and_policy_defaults():
    s = production_settings()

    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert (s["ALLAUTH_TRUSTED_PROXY_COUNT"], s["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"]) == (0, None)
    assert s["MIDDLEWARE"][:3] == [
        "p2c.middleware.RequestIdMiddleware",
        "p2c.middleware.HealthCheckMiddleware",
        "django.middleware.security.SecurityMiddleware",
    ]
    assert "csp.middleware.CSPMiddleware" in s["MIDDLEWARE"]
    directives = s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert s["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    assert s["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_proxy_admins_and_admin_url_come_from_the_environment():
    s = production_settings(
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_SCHEME",
        ALLAUTH_TRUSTED_PROXY_COUNT="2",
        ALLAUTH_TRUSTED_CLIENT_IP_HEADER="X-Real-IP",
        DJANGO_ADMINS="Operations <ops@example.org>,noc@example.org",
        DJANGO_ADMIN_URL="secretariat-7f3a/",
    )

    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    assert (s["ALLAUTH_TRUSTED_PROXY_COUNT"], s["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"]) == (2, "X-Real-IP")
    assert s["ADMINS"] == [["Operations", "ops@example.org"], ["", "noc@example.org"]]
    assert s["ADMIN_URL"] == "secretariat-7f3a/"
    assert production_settings(DJANGO_SECURE_PROXY_SSL_HEADER="")["SECURE_PROXY_SSL_HEADER"] is None


def test_s3_compatible_storage_for_public_and_private_files():
    s = production_settings(
        DJANGO_STORAGE_BACKEND="s3",
        DJANGO_S3_BUCKET="p2c-files",
        DJANGO_S3_ENDPOINT_URL="https://objects.example.org",
    )

    public, private = s["STORAGES"]["default"], s["STORAGES"]["private"]
    assert public["BACKEND"] == private["BACKEND"] == "storages.backends.s3.S3Storage"
    assert public["OPTIONS"]["location"] == "media" and public["OPTIONS"]["querystring_auth"] is False
    assert private["OPTIONS"]["location"] == "private" and private["OPTIONS"]["default_acl"] == "private"
    assert private["OPTIONS"]["querystring_auth"] is True
    assert public["OPTIONS"]["bucket_name"] == private["OPTIONS"]["bucket_name"] == "p2c-files"
    assert public["OPTIONS"]["endpoint_url"] == "https://objects.example.org"
    assert s["STORAGES"]["staticfiles"]["BACKEND"] == "p2c.staticfiles.StaticFilesStorage"
    assert "https://objects.example.org" in s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]


def test_unknown_storage_backend_is_refused():
    result = run_python(
        "from django.conf import settings; settings.DEBUG", production_env(DJANGO_STORAGE_BACKEND="ftp")
    )
    assert result.returncode != 0 and "DJANGO_STORAGE_BACKEND" in result.stderr


# --- docker-compose.yml ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_from_one_image_with_postgresql_redis_and_mail(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "release", "db", "redis", "mail"} <= set(services)
    app = [services[name] for name in ("web", "worker", "beat", "release")]
    assert len({s["image"] for s in app}) == 1 and all(s["build"] == "." for s in app)
    assert "gunicorn p2c.wsgi" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "p2c", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "p2c", "beat"]
    assert services["db"]["image"].startswith("postgres:") and services["redis"]["image"].startswith("redis:")
    for s in app:
        assert s["environment"]["DJANGO_SETTINGS_MODULE"] == "p2c.settings.production"
        assert (
            s["environment"]["DATABASE_URL"].startswith("postgres://")
            and "@db:5432/" in s["environment"]["DATABASE_URL"]
        )
        assert s["environment"]["REDIS_URL"] == "redis://redis:6379/0"


def test_compose_migrates_and_collects_static_files_once_on_start(compose):
    services = compose["services"]
    release = services["release"]
    assert release["command"][-1] == (
        "python manage.py migrate --no-input && python manage.py collectstatic --no-input -v 0"
    )
    assert release["restart"] == "no" and "release" not in release["depends_on"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["release"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    # web serves the files the release job collected.
    assert (
        "static:/app/staticfiles" in release["volumes"]
        and "static:/app/staticfiles" in services["web"]["volumes"]
    )


def test_compose_has_health_checks_and_named_volumes(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat", "db", "redis", "mail"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    named = set(compose["volumes"])
    assert {"pgdata", "redisdata", "media", "private_media", "static"} <= named
    used = set()
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in named, f"{source} is not a named volume"
            used.add(source)
    assert used == named
    assert "--appendonly" in services["redis"]["command"]


def test_env_example_names_every_variable_the_production_settings_require():
    example = (ROOT / ".env.example").read_text()
    names = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    compose_sets = {"DATABASE_URL", "REDIS_URL"}
    assert set(REQUIRED) - compose_sets <= names
    assert {
        "DJANGO_ADMIN_URL",
        "ALLAUTH_TRUSTED_PROXY_COUNT",
        "DJANGO_SECURE_PROXY_SSL_HEADER",
        "SENTRY_DSN",
    } <= names


def _post_process(storage_class, location: Path) -> list:
    """What ``collectstatic`` does with the vendored Bootstrap files and our CSS, in ``location``."""
    source = FileSystemStorage(location=ROOT / "static")
    storage = storage_class(location=location, base_url="/static/")
    names = [
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.rtl.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "css/p2c.css",
    ]
    for name in names:
        with source.open(name) as f:
            storage.save(name, f)
    return list(storage.post_process({name: (source, name) for name in names}))


def test_static_files_get_hashed_names_although_bootstrap_ships_no_source_maps(tmp_path):
    # The Dockerfile and the release job run collectstatic: Bootstrap's sourceMappingURL comments name .map
    # files that are not vendored, which stops WhiteNoise's own storage (p2c/staticfiles.py).
    failed = [
        r
        for r in _post_process(CompressedManifestStaticFilesStorage, tmp_path / "plain")
        if isinstance(r[2], Exception)
    ]
    assert failed and "bootstrap" in str(failed[0][2])

    results = _post_process(StaticFilesStorage, tmp_path / "ours")

    assert [r for r in results if isinstance(r[2], Exception)] == []
    manifest = json.loads((tmp_path / "ours" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["vendor/bootstrap/bootstrap.min.css"]
    assert (
        hashed.startswith("vendor/bootstrap/bootstrap.min.")
        and hashed != "vendor/bootstrap/bootstrap.min.css"
    )
    assert (tmp_path / "ours" / (manifest["css/p2c.css"] + ".gz")).exists()
