"""The reference registers themselves: synthetic residents, control endpoint, idempotency."""

from __future__ import annotations

import httpx

from integrations.ech.ahv import ahv_is_valid
from integrations.reference import demo_person
from integrations.reference.population import generate_commune
from tests.integrations.conftest import API_KEYS


def test_residents_are_deterministic_and_valid():
    """Same seed, same residents; every AHV number has a valid check digit and is unique."""
    kriens = generate_commune(1059)
    assert kriens == generate_commune(1059)
    assert generate_commune(1059, seed="other") != kriens
    assert all(ahv_is_valid(p["vn"]) for p in kriens)
    assert len({p["vn"] for p in kriens}) == len(kriens)
    assert {p["address"]["postcode"] for p in kriens} == {"6010"}
    assert {p["address"]["town"] for p in kriens} == {"Kriens"}


def test_demo_person_is_the_first_resident_of_any_commune():
    """demo_person works for every BFS number (not only Luzern) and is Swiss."""
    assert demo_person(1059) == generate_commune(1059)[0]
    bern = demo_person(351)
    assert bern["bfs_number"] == 351 and bern["address"]["town"] == "Gemeinde 351"
    assert bern["nationality"] == "CH" and ahv_is_valid(bern["vn"])


def test_person_detail_and_auth(registers):
    url = registers["resident"]
    person = demo_person(1024)
    headers = {"Authorization": f"Bearer {API_KEYS['resident']}"}
    answer = httpx.get(f"{url}/communes/1024/persons/{person['person_id']}", headers=headers)
    assert answer.status_code == 200 and answer.json()["vn"] == person["vn"]
    assert httpx.get(f"{url}/communes/1024/persons/{person['person_id']}").status_code == 401
    assert httpx.get(f"{url}/nowhere", headers=headers).status_code == 404


def test_reused_key_with_other_body_is_refused(registers, control):
    """An idempotency key cannot be reused for a different request (and changes nothing)."""
    url = registers["dog"]
    headers = {"Authorization": f"Bearer {API_KEYS['dog']}", "Idempotency-Key": "reuse"}
    owner = {"vn": "7561234567897", "official_name": "Muster"}
    first = httpx.post(f"{url}/dogs", headers=headers, json={
        "chip_number": "756098100000077", "owner": owner, "dog": {"name": "A"}})  # fmt: skip
    second = httpx.post(f"{url}/dogs", headers=headers, json={
        "chip_number": "756098100000078", "owner": owner, "dog": {"name": "B"}})  # fmt: skip
    assert first.status_code == 201
    assert second.status_code == 422 and second.json()["error"] == "idempotency_key_reused"
    # Checked on the dog itself: the register's global effect counter may still move from an
    # earlier test's deliberately delayed request.
    auth = {"Authorization": headers["Authorization"]}
    assert httpx.get(f"{url}/dogs/756098100000078", headers=auth).status_code == 404


def test_control_counts_and_resets(registers, control):
    """Failure modes apply to the next N calls only, then the register answers normally."""
    url = registers["resident"]
    assert control("resident", "error500", count=2)["count"] == 2
    headers = {"Authorization": f"Bearer {API_KEYS['resident']}"}
    path = f"{url}/communes/1059/persons/{demo_person(1059)['person_id']}"
    assert [httpx.get(path, headers=headers).status_code for _ in range(3)] == [500, 500, 200]
    assert control("resident")["mode"] == "ok"
    assert httpx.post(f"{url}/_control", json={"mode": "explode"}).status_code == 400


def test_failures_can_target_one_commune(registers):
    """With path_prefix only that commune's calls fail."""
    from integrations.reference import processes

    url = registers["resident"]
    processes.control(url, "error500", count=1, path_prefix="/communes/1024/")
    headers = {"Authorization": f"Bearer {API_KEYS['resident']}"}
    kriens = f"{url}/communes/1059/persons/{demo_person(1059)['person_id']}"
    emmen = f"{url}/communes/1024/persons/{demo_person(1024)['person_id']}"
    assert httpx.get(kriens, headers=headers).status_code == 200
    assert httpx.get(emmen, headers=headers).status_code == 500
    assert httpx.get(emmen, headers=headers).status_code == 200
