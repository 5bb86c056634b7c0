"""manage.py restore <dir>: rebuild an instance from a backup into an empty data directory and database."""
from django.core.management.base import BaseCommand, CommandError

from qingshan.backup.manifest import BackupError
from qingshan.backup.restore import restore_backup


class Command(BaseCommand):
    help = "从备份目录恢复实例（先核对清单校验值与密钥指纹；只恢复到空的数据目录和空数据库）。"

    def add_arguments(self, parser):
        parser.add_argument("directory", help="manage.py backup 生成的目录")

    def handle(self, *args, directory, **options):
        try:
            manifest = restore_backup(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"恢复完成：{len(manifest['files'])} 个文件校验无误并已写入（备份时间 {manifest['created_at']}）。"
            "请运行 manage.py migrate 和 manage.py verify_audit 核对。"))
