"""manage.py issue_api_token <username> [--rotate | --revoke]: the API token of a system integration's account.

The token is printed once, when it is created; it cannot be shown again, only replaced (--rotate). Issuing,
rotating and revoking are recorded in the audit chain, because a token acts with its user's full rights.
"""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from qingshan.audit.services import record_event


class Command(BaseCommand):
    help = "为用户签发、更换或吊销接口令牌（Token）。新令牌只显示一次。"

    def add_arguments(self, parser):
        """username, and at most one of --rotate / --revoke."""
        parser.add_argument("username", help="用户名")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--rotate", action="store_true", help="更换令牌：旧令牌立即失效")
        group.add_argument("--revoke", action="store_true", help="吊销令牌：不再签发新令牌")
        parser.add_argument("--reason", default="", help="签发/更换/吊销的原因（记入审计日志）")

    def handle(self, *args, username, rotate, revoke, reason, **options):
        """Create, rotate or revoke the token, with its audit event, in one transaction."""
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在。")
        with transaction.atomic():
            existing = Token.objects.select_for_update().filter(user=user).first()
            if revoke:
                if existing is None:
                    raise CommandError(f"用户“{username}”没有接口令牌，无需吊销。")
                existing.delete()
                self._audit(user, "api_token_revoke", reason)
                self.stdout.write(self.style.SUCCESS(f"已吊销用户“{username}”的接口令牌。"))
                return
            if not user.is_active:
                raise CommandError(f"用户“{username}”已停用，不能签发接口令牌。")
            if existing is not None and not rotate:
                raise CommandError(f"用户“{username}”已有接口令牌，且令牌无法再次显示。"
                                   "如需更换，请加 --rotate（旧令牌立即失效）。")
            if existing is not None:
                existing.delete()
            token = Token.objects.create(user=user)
            self._audit(user, "api_token_rotate" if existing else "api_token_issue", reason)
        verb = "更换" if existing else "签发"
        self.stdout.write(f"已为用户“{username}”{verb}接口令牌。令牌只显示这一次，请妥善保存：")
        self.stdout.write(token.key)

    @staticmethod
    def _audit(user, action: str, reason: str) -> None:
        # The key itself never goes into the log: the log is readable by auditors, the key is a password.
        record_event(object_type="orgs.user", object_id=user.pk, action=action, reason=reason.strip(),
                     payload={"username": user.username}, internal=True)
