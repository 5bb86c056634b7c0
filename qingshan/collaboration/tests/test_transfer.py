"""Transfers between two regions' deployments: a signed package carries only what may leave, is verified on import
and keeps both numbers; a changed byte, an unknown sender, another addressee or a second import are refused."""
import io
import json
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from qingshan.audit.models import AuditEvent
from qingshan.collaboration.models import PeerRegion, RegionTransfer
from qingshan.collaboration.transfer import public_key_hex, transfer_export, transfer_import
from qingshan.core.errors import PermissionRefused, ServiceError
from qingshan.problems.models import Problem
from qingshan.problems.testing.flows import new_problem
from qingshan.problems.testing.world import WORLD_NOW


@pytest.fixture
def w(world, time_machine, settings):
    time_machine.move_to(WORLD_NOW, tick=False)
    settings.TRANSFER_REGION_CODE = "3399"
    return world


def two_regions(w, settings):
    """This deployment (3399) sends to 白河 (3388); to import here, 3399 must be a registered peer (as 白河 would
    register us), and the package must be addressed to us: we play both sides with one key."""
    baihe = PeerRegion.objects.create(code="3388", name="白河市纪委监委", public_key="00" * 32)
    home = PeerRegion.objects.create(code="3399", name="青山市纪委监委", public_key=public_key_hex())
    return baihe, home


def package(w, peer, **kwargs):
    problem = new_problem(w, reporter_name="王小明", reporter_phone="13800001111")
    name, data = transfer_export(actor=w.officer, problem_number=problem.number, peer=peer,
                                 note="排口位于两市交界，请协查", **kwargs)
    return problem, name, data


def manifest_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return json.loads(z.read("manifest.json"))


def test_a_package_carries_only_what_may_leave(w, settings):
    baihe, home = two_regions(w, settings)
    problem, name, data = package(w, baihe)
    assert name == f"移送包-{problem.number}-3388.zip"
    manifest = manifest_of(data)
    assert manifest["problem"]["number"] == problem.number and manifest["to"] == "3388"
    raw = data.decode("latin-1") + json.dumps(manifest, ensure_ascii=False)
    assert "王小明" not in raw and "13800001111" not in raw
    assert RegionTransfer.objects.get().direction == "out"
    assert AuditEvent.objects.filter(object_type="collaboration.transfer", action="export").exists()


def test_a_package_addressed_here_is_received_keeping_both_numbers(w, settings):
    baihe, home = two_regions(w, settings)
    problem, _, data = package(w, home)  # addressed to 3399, signed by 3399's key: as if 3399 were the other side
    received = transfer_import(actor=w.officer, data=data, region=w.lvshui)
    assert received.number != problem.number and received.source.name == "外地移送"
    assert f"原编号 {problem.number}" in received.description and "请协查" in received.description
    incoming = RegionTransfer.objects.get(direction="in")
    assert incoming.their_number == problem.number and incoming.problem == received
    with pytest.raises(ServiceError, match="已经接收过"):
        transfer_import(actor=w.officer, data=data, region=w.lvshui)


def _resign(data: bytes, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        manifest, signature = z.read("manifest.json"), z.read("signature")
    manifest, signature = change(manifest, signature)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("manifest.json", manifest)
        z.writestr("signature", signature)
    return out.getvalue()


@pytest.mark.parametrize("case, message", [
    ("one byte changed", "签名验证失败"),
    ("signed by another key", "签名验证失败"),
    ("unknown sender", "未登记"),
    ("addressed elsewhere", "不是移送给本地区"),
    ("not a package", "不是有效的移送包"),
])
def test_tampered_or_foreign_packages_are_refused_and_nothing_is_kept(w, settings, case, message):
    from base64 import b64encode

    baihe, home = two_regions(w, settings)
    if case == "addressed elsewhere":
        _, _, data = package(w, baihe)
    else:
        _, _, data = package(w, home)
    if case == "one byte changed":
        data = _resign(data, lambda m, s: (m.replace("排口".encode(), "排水".encode(), 1), s))
    elif case == "signed by another key":
        other = Ed25519PrivateKey.generate()
        data = _resign(data, lambda m, s: (m, b64encode(other.sign(m))))
    elif case == "unknown sender":
        PeerRegion.objects.filter(pk=home.pk).update(is_active=False)
    elif case == "not a package":
        data = b"PK\x03\x04 not really a zip"
    problems, events = Problem.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ServiceError, match=message):
        transfer_import(actor=w.officer, data=data, region=w.lvshui)
    assert Problem.objects.count() == problems and AuditEvent.objects.count() == events
    assert not RegionTransfer.objects.filter(direction="in").exists()


def test_only_the_supervising_side_may_send(w, settings):
    baihe, _ = two_regions(w, settings)
    problem = new_problem(w)
    with pytest.raises(PermissionRefused):
        transfer_export(actor=w.eco_handler, problem_number=problem.number, peer=baihe, note="x")
