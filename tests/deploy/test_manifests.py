"""docker/compose.yaml and docker/k8s/, validated offline since neither `docker compose config`
nor a cluster is available here.

Compose is checked against the Compose Specification's JSON schema (the copy check-jsonschema
vendors, from github.com/compose-spec/compose-spec), the Kubernetes manifests against the
Kubernetes OpenAPI schemas kubernetes-validate bundles, in strict mode (unknown fields fail).
The rest is what a schema cannot know: that the files agree with each other and with the code:
the settings Vaultra reads, the jobs and their schedule, the CLI's commands and flags.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from dotenv import dotenv_values

from tests.deploy.files import (
    DOCKER,
    K8S,
    MODES,
    NOT_SETTINGS,
    REFERENCE,
    cli_accepts,
    dockerfile,
    final_stage,
    interpolate,
    missing_in_production,
    setting_names,
)
from vaultra_mcp.jobs import JOBS, SCHEDULE

K8S_VERSION = "1.30"  # the oldest minor release its upstream still patches; CronJob timeZone is GA
SECRET = "vaultra-secrets"
NOT_APPLIED = {"kustomization.yaml", "secret.example.yaml"}  # the real Secret is made by hand

# --- Compose --------------------------------------------------------------------------------------


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def env_example() -> dict[str, str | None]:
    return dotenv_values(DOCKER / ".env.example")


def vaultra_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose()["services"].items() if "build" in s}


def test_compose_file_follows_the_compose_specification() -> None:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(vendored.read_text())

    jsonschema.validators.validator_for(schema)(schema).validate(compose())


def test_every_depends_on_names_a_service_that_can_meet_its_condition() -> None:
    """service_healthy needs a health check to wait for; service_completed_successfully needs a
    one-shot service that is not restarted."""
    services = compose()["services"]
    for name, service in services.items():
        for target, wait in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if wait["condition"] == "service_healthy":
                assert "test" in services[target].get("healthcheck", {}), target
            if wait["condition"] == "service_completed_successfully":
                assert services[target].get("restart") == "no", target


def test_the_api_and_the_scheduler_start_only_after_migrations_succeed() -> None:
    services = compose()["services"]

    for name in ("api", "scheduler"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_vaultra_service_runs_an_entrypoint_mode() -> None:
    modes = {name: service["command"] for name, service in vaultra_services().items()}

    assert modes == {
        "migrate": ["migrate"],
        "api": ["serve"],
        "scheduler": ["scheduler"],
    }
    assert all(command[0] in MODES for command in modes.values())


def test_the_api_is_published_on_8000_and_checked_at_healthz() -> None:
    api = compose()["services"]["api"]

    assert api["ports"] == ["8000:8000"]
    assert any("/healthz" in part for part in api["healthcheck"]["test"])


def test_only_the_api_keeps_the_images_health_check() -> None:
    """The image's check asks /healthz, which only `serve` answers."""
    for name, service in vaultra_services().items():
        assert service.get("healthcheck", {}).get("disable", False) is (name != "api"), name


def test_the_scheduler_runs_as_exactly_one_replica() -> None:
    assert compose()["services"]["scheduler"]["deploy"]["replicas"] == 1


def test_ollama_starts_only_with_its_profile() -> None:
    services = compose()["services"]

    assert services["ollama"]["profiles"] == ["ollama"]
    assert all("profiles" not in s for name, s in services.items() if name != "ollama")


def test_every_variable_compose_interpolates_is_documented_in_env_example() -> None:
    text = (DOCKER / "compose.yaml").read_text()

    assert set(REFERENCE.findall(text)) <= set(env_example())


def test_vaultra_services_read_docker_env_and_add_only_settings() -> None:
    """env_file is docker/.env, the copy of .env.example; `environment` adds only settings."""
    for name, service in vaultra_services().items():
        assert service["env_file"] == ".env", name
        assert set(service.get("environment", {})) <= setting_names(), name


@pytest.mark.usefixtures("no_settings_from_the_environment")
def test_env_example_gives_production_every_secret_it_requires() -> None:
    """Through compose, as the containers see it: .env, then each service's `environment`."""
    example = env_example()
    for name, service in vaultra_services().items():
        environment = {
            **example,
            **{k: interpolate(v, example) for k, v in service.get("environment", {}).items()},
        }
        assert missing_in_production(environment) == [], name
        assert str(environment["DATABASE_URL"]).startswith("postgresql+asyncpg://"), name


def test_every_env_example_entry_is_read_by_something_and_explained() -> None:
    lines = (DOCKER / ".env.example").read_text().splitlines()
    for number, line in enumerate(lines):
        if line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            assert name in setting_names() or name in NOT_SETTINGS, name
            assert lines[number - 1].startswith("# "), f"{name} has no comment line above it"


# --- Kubernetes -----------------------------------------------------------------------------------


@cache
def manifests() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(file name, document) for every Kubernetes document in docker/k8s."""
    documents: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            documents += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return tuple(documents)


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [document for _, document in manifests() if document["kind"] == kind]


def only(kind: str) -> dict[str, Any]:
    (document,) = of_kind(kind)
    return document


def pod_specs() -> dict[str, dict[str, Any]]:
    """Every pod template's spec, by the name of the workload that owns it."""
    specs = {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in of_kind("Deployment")}
    specs |= {d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in of_kind("Job")}
    for cron in of_kind("CronJob"):
        specs[cron["metadata"]["name"]] = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return specs


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    """In the order they run: init containers, then the rest."""
    return [*pod.get("initContainers", []), *pod["containers"]]


def api_container() -> dict[str, Any]:
    (container,) = only("Deployment")["spec"]["template"]["spec"]["containers"]
    return container


def cron_expression(trigger: IntervalTrigger | CronTrigger) -> str:
    """The five-field cron line that fires when this APScheduler trigger does."""
    if isinstance(trigger, IntervalTrigger):
        minutes, remainder = divmod(int(trigger.interval.total_seconds()), 60)
        assert remainder == 0 and 60 % minutes == 0, "not expressible as a cron line"
        return f"*/{minutes} * * * *"
    fields = {field.name: str(field) for field in trigger.fields}
    assert fields["second"] == "0" and fields["year"] == fields["week"] == "*"
    return " ".join(fields[n] for n in ("minute", "hour", "day", "month", "day_of_week"))


@pytest.mark.parametrize(
    "document", [d for _, d in manifests()], ids=[f"{f}:{d['kind']}" for f, d in manifests()]
)
def test_every_manifest_is_valid_kubernetes(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    """So `kubectl apply -k` never overwrites the real Secret with placeholders."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {path.name for path in K8S.glob("*.yaml")} - NOT_APPLIED

    assert sorted(kustomization["resources"]) == sorted(files)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_builds_the_manifests_without_a_cluster() -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=60
    )

    assert built.returncode == 0, built.stderr
    kinds = sorted(d["kind"] for d in yaml.safe_load_all(built.stdout))
    assert kinds == sorted(d["kind"] for f, d in manifests() if f not in NOT_APPLIED)


def test_the_api_is_alive_at_healthz_and_ready_at_readyz() -> None:
    """Liveness must not depend on the database (a database outage would restart every pod);
    readiness must (a pod that cannot reach it leaves the Service)."""
    api = api_container()
    ports = {port["name"]: port["containerPort"] for port in api["ports"]}

    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert ports[api[probe]["httpGet"]["port"]] == 8000  # where the entrypoint's serve listens


def test_the_autoscaler_keeps_2_to_10_api_replicas_by_cpu() -> None:
    hpa, deployment = only("HorizontalPodAutoscaler"), only("Deployment")

    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert deployment["spec"]["replicas"] == 2
    assert "cpu" in api_container()["resources"]["requests"]  # what utilization is measured on


def test_the_service_and_the_disruption_budget_select_the_api_pods() -> None:
    deployment = only("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = only("Service")

    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert only("PodDisruptionBudget")["spec"]["selector"] == deployment["spec"]["selector"]
    container_ports = {port["name"] for port in api_container()["ports"]}
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= container_ports


def test_the_ingress_routes_to_the_api_service() -> None:
    service = only("Service")
    service_ports = {port["name"] for port in service["spec"]["ports"]}
    backends = [
        path["backend"]["service"]
        for rule in only("Ingress")["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]

    assert backends and all(b["name"] == service["metadata"]["name"] for b in backends)
    assert all(b["port"]["name"] in service_ports for b in backends)


def test_every_secret_reference_names_vaultra_secrets() -> None:
    references = [
        source["secretRef"]["name"]
        for pod in pod_specs().values()
        for container in containers(pod)
        for source in container.get("envFrom", [])
        if "secretRef" in source
    ] + [
        variable["valueFrom"]["secretKeyRef"]["name"]
        for pod in pod_specs().values()
        for container in containers(pod)
        for variable in container.get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    ]

    assert references and set(references) == {SECRET}
    assert only("Secret")["metadata"]["name"] == SECRET


def test_every_pod_gets_the_configmap_and_the_secret() -> None:
    config = only("ConfigMap")["metadata"]["name"]
    for name, pod in pod_specs().items():
        for container in containers(pod):
            sources = container["envFrom"]
            assert {"configMapRef": {"name": config}} in sources, name
            assert {"secretRef": {"name": SECRET}} in sources, name


def test_every_environment_name_in_the_manifests_is_read_by_something() -> None:
    """A misspelt name is ignored silently, leaving a default (or a missing secret) in place."""
    names = set(only("ConfigMap")["data"]) | set(only("Secret")["stringData"])
    names |= {
        variable["name"]
        for pod in pod_specs().values()
        for container in containers(pod)
        for variable in container.get("env", [])
    }

    assert names - setting_names() <= set(NOT_SETTINGS)


@pytest.mark.usefixtures("no_settings_from_the_environment")
def test_configmap_and_secret_give_production_every_secret_it_requires() -> None:
    environment = {**only("ConfigMap")["data"], **only("Secret")["stringData"]}

    assert environment["VAULTRA_ENV"] == "production"
    assert missing_in_production(environment) == []


def test_every_pod_runs_as_the_images_user_with_a_read_only_root() -> None:
    """The image's own uid, so files it owns stay readable; /tmp is the one writable place,
    and the image keeps the knowledge index there."""
    user = next(i["value"] for i in reversed(final_stage()) if i["instruction"] == "USER")
    uid = int(user.split(":")[0])
    index = dockerfile().envs["VAULTRA_KNOWLEDGE_INDEX"]
    for name, pod in pod_specs().items():
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == uid, name
        volumes = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for container in containers(pod):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            writable = [m["mountPath"] for m in container["volumeMounts"] if m["name"] in volumes]
            assert any(index.startswith(path.rstrip("/") + "/") for path in writable), name


@pytest.mark.parametrize("entry", SCHEDULE, ids=[entry[0] for entry in SCHEDULE])
def test_each_scheduled_pipeline_is_a_cronjob_at_the_same_utc_time(entry: Any) -> None:
    """Same jobs, same order (metrics before readiness), same time as `vaultra jobs schedule`."""
    _, names, trigger = entry
    runs = [f"vaultra jobs run {name}".split() for name in names]
    matching = [
        cron
        for cron in of_kind("CronJob")
        if [c["args"] for c in containers(cron["spec"]["jobTemplate"]["spec"]["template"]["spec"])]
        == runs
    ]

    (cron,) = matching
    assert cron["spec"]["schedule"] == cron_expression(trigger)
    assert cron["spec"]["timeZone"] == "Etc/UTC"


def test_every_job_has_a_cronjob_and_every_cronjob_runs_a_job() -> None:
    run = [
        c["args"]
        for cron in of_kind("CronJob")
        for c in containers(cron["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    ]

    assert all(args[:3] == ["vaultra", "jobs", "run"] and len(args) == 4 for args in run)
    assert sorted(args[3] for args in run) == sorted(JOBS)


def test_no_cronjob_overlaps_its_previous_run() -> None:
    assert {cron["spec"]["concurrencyPolicy"] for cron in of_kind("CronJob")} == {"Forbid"}


def test_the_migration_job_runs_migrate() -> None:
    (container,) = only("Job")["spec"]["template"]["spec"]["containers"]

    assert container["args"] == ["migrate"]


def test_every_container_runs_an_entrypoint_mode_or_a_real_cli_command() -> None:
    for name, pod in pod_specs().items():
        for container in containers(pod):
            args = container["args"]
            assert "command" not in container, f"{name} bypasses the entrypoint"
            assert args[0] in MODES or cli_accepts(args), f"{name}: {args}"


def test_every_container_runs_the_image_kustomize_pins() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    (pinned,) = kustomization["images"]
    images = {c["image"] for pod in pod_specs().values() for c in containers(pod)}

    assert images == {f"{pinned['name']}:{pinned['newTag']}"}
