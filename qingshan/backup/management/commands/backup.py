"""manage.py backup <dir>: a consistent, hashed copy of the instance (see qingshan/backup/snapshot.py)."""
from django.core.management.base import BaseCommand, CommandError

from qingshan.backup.manifest import BackupError
from qingshan.backup.snapshot import create_backup


class Command(BaseCommand):
    help = "备份数据库、数据集文件、附件和审计锚点到一个新的空目录（附清单与校验值；不含密钥）。"

    def add_arguments(self, parser):
        parser.add_argument("directory", help="新的空目录")

    def handle(self, *args, directory, **options):
        try:
            manifest = create_backup(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        database = manifest["database"]
        self.stdout.write(self.style.SUCCESS(
            f"备份完成：{directory}（数据库 {database['vendor']}，方式 {database['method']}；"
            f"{len(manifest['files'])} 个文件，其中附件 {manifest['attachments']} 个）。"))
        if database["method"] == "dumpdata":
            self.stdout.write("注意：PATH 中没有 pg_dump，数据库以 dumpdata 在一个 REPEATABLE READ 事务中导出。")
        if not all(manifest["keys_from_environment"].values()):
            self.stdout.write("注意：密钥来自数据目录中自动生成的文件（仅限开发），备份中不含密钥，请另行保管这些文件。")
        self.stdout.write("备份不含 QINGSHAN_FIELD_KEYS 与 QINGSHAN_AUDIT_KEY：恢复时须配置同样的密钥"
                          "（清单中记有其指纹）。")
