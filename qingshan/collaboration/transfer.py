"""Transfers between two regions' Qingshan deployments: a problem travels as a signed package (a zip holding
`manifest.json` and `signature`, an Ed25519 signature of the manifest's bytes by the sending deployment) and is
imported on the other side, keeping both numbers. A package whose bytes were changed, signed by a deployment not
registered here, or addressed to another region is refused; importing one twice is refused.

What the package carries is chosen here, field by field: never the reporter's identity, internal comments or files.
"""
import hashlib
import io
import json
import zipfile
from base64 import b64decode, b64encode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from qingshan.access.problems import access_problem
from qingshan.audit.services import record_event
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError
from qingshan.orgs.models import Region, User
from qingshan.problems.models import Category, Problem, Source
from qingshan.problems.services import problem_create

from .models import PeerRegion, RegionTransfer

FORMAT = "qingshan-transfer/1"
MAX_PACKAGE_BYTES = 1024 * 1024
SHARED_FIELDS = ("number", "title", "description", "location", "lng", "lat")


def _private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(settings.TRANSFER_SIGNING_KEY)[:32])


def public_key_hex() -> str:
    """This deployment's public key, for the other region's administrator to register."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return _private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _manifest(problem: Problem, peer: PeerRegion, actor: User, note: str) -> bytes:
    shared = {field: str(getattr(problem, field)) if getattr(problem, field) is not None else None
              for field in SHARED_FIELDS}
    shared |= {"category": problem.category.code, "category_name": problem.category.name,
               "source_name": problem.source.name, "region_name": problem.region.name,
               "received_at": timezone.localtime(problem.received_at).isoformat(timespec="seconds")}
    manifest = {"format": FORMAT, "from": settings.TRANSFER_REGION_CODE, "to": peer.code,
                "sent_at": timezone.localtime().isoformat(timespec="seconds"), "sent_by": actor.full_name,
                "note": note, "problem": shared}
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()


def transfer_export(*, actor: User, problem_number: str, peer: PeerRegion, note: str) -> tuple[str, bytes]:
    """移送外地: the signed package of one problem the actor may see and supervises; (file name, zip bytes)."""
    from qingshan.access.actors import profile_of

    if not profile_of(actor).supervising:
        raise PermissionRefused("只有纪检监察机构的工作人员可以向外地移送问题。")
    note = (note or "").strip()
    if not note:
        raise ServiceError("请填写移送说明。", field="note")
    problem = Problem.objects.filter(number=(problem_number or "").strip()).first()
    try:
        problem = access_problem(actor, problem.pk if problem else 0)
    except NotFound:
        raise ServiceError(f"问题 {problem_number} 不存在或无权查看。", field="problem_number") from None
    manifest = _manifest(problem, peer, actor, note)
    signature = _private_key().sign(manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", manifest)
        package.writestr("signature", b64encode(signature))
    data = out.getvalue()
    with transaction.atomic():
        transfer = RegionTransfer.objects.create(direction=RegionTransfer.Direction.OUT, peer=peer, problem=problem,
                                                 note=note, package_sha256=hashlib.sha256(data).hexdigest(), by=actor)
        record_event(object_type="collaboration.transfer", object_id=transfer.pk, action="export", actor=actor,
                     reason=note, payload={"problem": problem.number, "to": peer.code,
                                           "sha256": transfer.package_sha256})
    return f"移送包-{problem.number}-{peer.code}.zip", data


def _read(data: bytes) -> tuple[bytes, bytes]:
    if len(data) > MAX_PACKAGE_BYTES:
        raise ServiceError("移送包过大，不是本系统生成的文件。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if names != {"manifest.json", "signature"}:
                raise ServiceError("移送包内容不完整或含有多余文件。")
            if sum(i.file_size for i in package.infolist()) > MAX_PACKAGE_BYTES:
                raise ServiceError("移送包过大，不是本系统生成的文件。")
            return package.read("manifest.json"), b64decode(package.read("signature"), validate=True)
    except (zipfile.BadZipFile, ValueError, KeyError):
        raise ServiceError("文件不是有效的移送包。") from None


def transfer_import(*, actor: User, data: bytes, region: Region) -> Problem:
    """接收外地移送: verify the package against its sender's registered key, then register the problem here (as
    the actor, in `region`), keeping the sender's number; each step refused in Chinese, nothing kept on refusal."""
    manifest_bytes, signature = _read(data)
    try:
        manifest = json.loads(manifest_bytes)
        sender_code, shared = manifest["from"], manifest["problem"]
    except (ValueError, KeyError, TypeError):
        raise ServiceError("移送包内容无法识别。") from None
    if manifest.get("format") != FORMAT:
        raise ServiceError("移送包格式版本不受支持。")
    peer = PeerRegion.objects.filter(code=sender_code, is_active=True).first()
    if peer is None:
        raise ServiceError(f"移送方（地区代码 {sender_code}）未登记为跨地区协作单位。")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(peer.public_key)).verify(signature, manifest_bytes)
    except (InvalidSignature, ValueError):
        raise ServiceError("移送包签名验证失败：文件在移送后被改动，或不是该地区签发的。") from None
    if manifest.get("to") != settings.TRANSFER_REGION_CODE:
        raise ServiceError("该移送包不是移送给本地区的。")
    category = Category.objects.filter(code=shared.get("category")).first()
    if category is None:
        raise ServiceError(f"本地没有问题类别“{shared.get('category_name')}”，请管理员先行设置。")
    source, _ = Source.objects.get_or_create(code="region_transfer", defaults={"name": "外地移送", "sort_order": 98})
    description = (f"{shared.get('description', '')}\n（{peer.name}移送，原编号 {shared.get('number')}，"
                   f"原登记于 {shared.get('region_name')} {shared.get('received_at')}；"
                   f"移送说明：{manifest.get('note')}）")
    try:
        with transaction.atomic():
            problem = problem_create(actor=actor, title=str(shared.get("title", ""))[:200], description=description,
                                     source=source, category=category, region=region,
                                     location=str(shared.get("location") or "")[:200])
            transfer = RegionTransfer.objects.create(
                direction=RegionTransfer.Direction.IN, peer=peer, problem=problem,
                their_number=str(shared.get("number"))[:40], note=str(manifest.get("note", "")),
                package_sha256=hashlib.sha256(data).hexdigest(), by=actor)
            record_event(object_type="collaboration.transfer", object_id=transfer.pk, action="import", actor=actor,
                         payload={"problem": problem.number, "from": peer.code, "their_number": transfer.their_number,
                                  "sha256": transfer.package_sha256})
    except IntegrityError:
        raise ServiceError(f"该移送包（原编号 {shared.get('number')}）已经接收过。") from None
    return problem
