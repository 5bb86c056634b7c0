"""manage.py build_instrument_templates: (re)write the built-in Word templates of every instrument type."""
from django.core.management.base import BaseCommand

from qingshan.instruments.templatebuilder import build_all


class Command(BaseCommand):
    help = "按 GB/T 9704-2012 重新生成各类文书的内置 Word 模板（qingshan/instruments/doc_templates/）"

    def handle(self, *args, **options):
        for path in build_all():
            self.stdout.write(f"已生成 {path.name}")
