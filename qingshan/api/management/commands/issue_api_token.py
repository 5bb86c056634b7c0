"""manage.py issue_api_token <username> [--rotate | --revoke] [--days N]: an integration account's API token.

The token is printed once, when it is created; only its digest is stored, so it cannot be shown again, only replaced
(--rotate). Tokens expire after --days days (365 by default). Issuing, rotating and revoking are recorded in the audit
chain, because a token acts with its user's full rights.
"""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from qingshan.api.services import DEFAULT_TOKEN_DAYS, api_token_issue, api_token_revoke
from qingshan.core.errors import ServiceError


class Command(BaseCommand):
    help = "为用户签发、更换或吊销接口令牌（Token）。新令牌只显示一次。"

    def add_arguments(self, parser):
        """username, at most one of --rotate / --revoke, the reason and the validity in days."""
        parser.add_argument("username", help="用户名")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--rotate", action="store_true", help="更换令牌：旧令牌立即失效")
        group.add_argument("--revoke", action="store_true", help="吊销令牌：不再签发新令牌")
        parser.add_argument("--reason", default="", help="签发/更换/吊销的原因（记入审计日志）")
        parser.add_argument("--days", type=int, default=DEFAULT_TOKEN_DAYS,
                            help=f"令牌有效期（天），默认 {DEFAULT_TOKEN_DAYS} 天")

    def handle(self, *args, username, rotate, revoke, reason, days, **options):
        """Create, rotate or revoke the token through the services; print a new key once."""
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在。")
        try:
            if revoke:
                api_token_revoke(user=user, reason=reason)
                self.stdout.write(self.style.SUCCESS(f"已吊销用户“{username}”的接口令牌。"))
                return
            issued = api_token_issue(user=user, reason=reason, days=days, rotate=rotate)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        verb = "更换" if issued.rotated else "签发"
        expires = timezone.localdate(issued.token.expires_at).isoformat()
        self.stdout.write(f"已为用户“{username}”{verb}接口令牌，有效期至 {expires}。令牌只显示这一次，请妥善保存：")
        self.stdout.write(issued.key)
