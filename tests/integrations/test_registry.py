"""The adapter registry: keys, configuration, start-up check."""

from __future__ import annotations

import pytest

from integrations import registry as project
from integrations.base import Adapter, HttpAdapter
from integrations.checks import check_integrations
from integrations.registry import Registry, UnknownAdapter


class Echo(HttpAdapter):
    config_name = "echo"

    def call(self, request, *, idempotency_key):
        return request


def make_registry(config: dict) -> Registry:
    reg = Registry(config=lambda: config)
    reg.register("test.echo")(Echo)
    return reg


def test_get_returns_one_configured_instance():
    """get() hands back the adapter configured from its INTEGRATIONS block, the same each time."""
    reg = make_registry({"echo": {"url": "http://127.0.0.1:1", "api_key": "k", "timeout": 3}})
    adapter = reg.get("test.echo")
    assert isinstance(adapter, Echo)
    assert adapter.config["api_key"] == "k"
    assert adapter.timeout.read == 3
    assert reg.get("test.echo") is adapter
    assert Echo.key == "test.echo"


def test_unknown_key_is_a_clear_error():
    """An unregistered key raises UnknownAdapter naming the key and the known ones."""
    reg = make_registry({})
    with pytest.raises(UnknownAdapter, match=r"«nope\.nothing».*test\.echo"):
        reg.get("nope.nothing")
    assert "nope.nothing" not in reg


def test_duplicate_key_for_another_class_is_refused():
    """A key belongs to one adapter class."""
    reg = make_registry({})

    class Other(Echo):
        pass

    with pytest.raises(ValueError, match="bereits"):
        reg.register("test.echo")(Other)
    assert reg.adapter_class("test.echo") is Echo


def test_only_adapter_classes_can_be_registered():
    reg = Registry(config=dict)
    with pytest.raises(TypeError):
        reg.register("x.y")(object)
    assert reg.keys() == []


def test_adapter_without_call_cannot_be_instantiated():
    """call() is the one abstract hook."""

    class Incomplete(Adapter):
        pass

    with pytest.raises(TypeError):
        Incomplete()


def test_validate_configuration_reports_missing_and_bad_urls():
    """Missing URL, missing key and a non-http URL are each reported, by adapter key."""
    assert (
        make_registry({"echo": {"url": "http://x", "api_key": "k"}}).validate_configuration() == []
    )
    problems = make_registry({"echo": {"api_key": ""}}).validate_configuration()
    assert any("test.echo" in p and "«url» fehlt" in p for p in problems)
    assert any("«api_key» fehlt" in p for p in problems)
    problems = make_registry({"echo": {"url": "ftp//x", "api_key": "k"}}).validate_configuration()
    assert problems and "keine gültige http(s)-URL" in problems[0]


def test_project_registry_holds_the_catalogue_keys():
    """INTEGRATION_ADAPTERS registers the keys the catalogue's step definitions use."""
    assert {
        "resident_register.identify",
        "resident_register.residence",
        "resident_register.move_in",
        "resident_register.move_out",
        "resident_register.address_change",
        "dog_register.register",
        "billing.qr_invoice",
        "documents.residence_certificate",
    } <= set(project.registry.keys())


def test_system_check_fails_on_missing_url(settings):
    """The start-up check reports an Error for each adapter whose endpoint URL is missing."""
    assert check_integrations() == []
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "resident_register": {**settings.INTEGRATIONS["resident_register"], "url": ""},
    }
    errors = check_integrations()
    assert {e.id for e in errors} == {"integrations.E001"}
    assert {e.msg.split(" ")[0] for e in errors} == {
        "resident_register.address_change",
        "resident_register.identify",
        "resident_register.move_in",
        "resident_register.move_out",
        "resident_register.residence",
    }


def test_settings_change_reconfigures_adapters(settings):
    """After INTEGRATIONS changes, get() builds the adapter from the new configuration."""
    before = project.get("dog_register.register")
    settings.INTEGRATIONS = {
        **settings.INTEGRATIONS,
        "dog_register": {"url": "http://127.0.0.1:9", "api_key": "other"},
    }
    after = project.get("dog_register.register")
    assert after is not before
    assert after.config["api_key"] == "other"


def test_warm_up_prepares_every_adapter():
    """warm_up() runs each adapter's preparation without calling any register."""
    project.registry.warm_up()
    from integrations.ech import schemas

    assert schemas._delivery_schema.cache_info().currsize == 1


def test_sender_id_must_be_an_ech_participant_id():
    from integrations.adapters.resident_register.adapters import IdentifyAdapter

    config = {"url": "http://x", "api_key": "k", "sender_id": "3-LU-1"}
    assert IdentifyAdapter.check_configuration(config) == []
    problems = IdentifyAdapter.check_configuration({**config, "sender_id": "portal"})
    assert "Teilnehmer-ID" in problems[0]


def test_errors_survive_pickling():
    """Adapter errors keep kind, code, message and details through pickle (job machinery)."""
    import pickle

    from integrations.base import PermanentError, TransientError

    for error in (
        TransientError("Zeitüberschreitung", code="timeout", details={"url": "/x"}),
        PermanentError("Nicht gefunden", code="person_not_found"),
    ):
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        assert type(copy) is type(error)
        assert copy.as_dict() == error.as_dict()
