"""Print this deployment's region code and the public key that signs its transfer packages."""
from django.conf import settings
from django.core.management.base import BaseCommand

from qingshan.collaboration.transfer import public_key_hex


class Command(BaseCommand):
    help = "显示本地区代码和跨地区移送包的签名公钥（交对方管理员在“跨地区协作单位”中登记）"

    def handle(self, *args, **options):
        self.stdout.write(f"地区代码：{settings.TRANSFER_REGION_CODE}\n签名公钥：{public_key_hex()}")
