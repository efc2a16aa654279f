"""The Open Referral UK export validates against the standard's own table schema."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cradle.cli import app
from tests.support import SHARED, shared

SPEC = SHARED / "specs" / "open-referral-uk" / "ExtendedDataPackage.json"
#: The standard's descriptor uses formats frictionless 5 does not know: "url" is its "uri";
#: a number's "currency" has no equivalent (the field is still checked as a number).
FORMATS = {"url": "uri"}


def spec_package(names: list[str]) -> dict[str, Any]:
    """The standard's descriptor, restricted to the tables ``names``, in frictionless terms."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    resources = []
    for resource in spec["resources"]:
        if resource["name"] not in names:
            continue
        for field in resource["schema"]["fields"]:
            if "format" in field:
                field["format"] = FORMATS.get(field["format"], field["format"])
                if field["type"] == "number":
                    del field["format"]
        resources.append(resource)
    return {k: v for k, v in spec.items() if k != "resources"} | {"resources": resources}


def validate(folder: Path) -> Any:
    from frictionless import Package

    ours = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in ours["resources"]]
    return Package(spec_package(names), basepath=str(folder)).validate()


@pytest.fixture(scope="module")
def exported(graph_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared(SPEC)
    out = tmp_path_factory.mktemp("oruk")
    result = CliRunner().invoke(
        app, ["export", "--format", "oruk", "--out", str(out), "--data-dir", str(graph_dir)]
    )
    assert result.exit_code == 0, result.output
    return out


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_export_validates_against_the_oruk_schema(exported: Path) -> None:
    report = validate(exported)
    errors = [e.message for task in report.tasks for e in task.errors] + [
        e.message for e in report.errors
    ]
    assert report.valid and not errors, errors[:5]
    assert report.stats["tasks"] == 13


def test_the_validator_catches_a_broken_key(exported: Path, tmp_path: Path) -> None:
    for f in exported.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    areas = (tmp_path / "service_areas.csv").read_text(encoding="utf-8").splitlines()
    first = areas[1].split(",")
    first[1] = "00000000-0000-0000-0000-000000000000"  # a service that does not exist
    areas[1] = ",".join(first)
    (tmp_path / "service_areas.csv").write_text("\r\n".join(areas) + "\r\n", encoding="utf-8")
    assert not validate(tmp_path).valid


def test_the_export_carries_the_catalogue(exported: Path) -> None:
    services = rows(exported, "services.csv")
    assert len(services) == 39
    assert {s["status"] for s in services} == {"active", "inactive"}
    areas = rows(exported, "service_areas.csv")
    bolton = [a for a in areas if a["identifier"] == "E08000001"]
    assert bolton and bolton[0]["uri"] == "https://w3id.org/cradle/locality/bolton"
    taxonomy = rows(exported, "taxonomy.csv")
    assert taxonomy and all("SKOS" in t["vocabulary"] for t in taxonomy)
    assert any(t["parent_id"] for t in taxonomy)
    assert rows(exported, "link_taxonomy.csv") and rows(exported, "services_taxonomy.csv")
    organizations = rows(exported, "organizations.csv")
    assert {s["organization_id"] for s in services} <= {o["id"] for o in organizations}
    assert not rows(exported, "contacts.csv")  # the catalogue holds no contact details
    assert not any(s["email"] for s in services)


def test_the_service_serves_the_same_services(client: Any, exported: Path) -> None:
    body = client.get("/oruk/services").json()
    assert [s["id"] for s in body["content"]] == [s["id"] for s in rows(exported, "services.csv")]
    first = body["content"][0]
    assert first["organization"]["name"] and first["service_areas"]
    assert first["service_taxonomys"][0]["taxonomy"]["vocabulary"]


def test_an_organisation_carries_the_mailbox_and_website_staff_recorded(tmp_path: Path) -> None:
    from cradle.commands import run_build
    from cradle.core.settings import Settings
    from tests.support import CATALOGUE

    text = CATALOGUE.read_text(encoding="utf-8").replace(
        "  name: Oldham Council\n",
        "  name: Oldham Council\n  email: safeguarding@oldham.example.gov.uk\n"
        "  website: https://www.oldham.example.gov.uk/\n",
        1,
    )
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(text, encoding="utf-8")
    run_build(Settings(), catalogue=catalogue, data_dir=tmp_path / "var", with_index=False)
    out = tmp_path / "oruk"
    result = CliRunner().invoke(
        app, ["export", "--format", "oruk", "--out", str(out), "--data-dir", str(tmp_path / "var")]
    )
    assert result.exit_code == 0, result.output
    (oldham,) = [o for o in rows(out, "organizations.csv") if o["name"] == "Oldham Council"]
    assert oldham["email"] == "safeguarding@oldham.example.gov.uk"
    assert oldham["url"] == "https://www.oldham.example.gov.uk/"
    others = [o for o in rows(out, "organizations.csv") if o["name"] != "Oldham Council"]
    assert not any(o["email"] or o["url"] for o in others)  # nothing made up
