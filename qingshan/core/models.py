"""Abstract models that apps share (core has no tables of its own)."""
from django.conf import settings
from django.db import models


class StoredFile(models.Model):
    """An uploaded file kept outside the web root under a random name, served only by a view that checks access:
    the record keeps the original name, the type decided from the checked extension (core/uploads.py), the size, the
    SHA-256 that proves it unaltered, and who uploaded it when. Each app adds what the file belongs to and `file`."""

    stored_token = models.CharField(max_length=64, unique=True, editable=False)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
