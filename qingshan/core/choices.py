"""Choice sets that carry a colour beside each label, so badges, charts and exports agree."""
from django.db import models


class ColouredChoices(models.TextChoices):
    """TextChoices whose members may define a colour in `COLOURS` (a Bootstrap contextual name)."""

    @classmethod
    def colour_of(cls, value: str) -> str:
        return getattr(cls, "_colours", {}).get(value, "secondary")


def with_colours(choices_cls, colours: dict):
    choices_cls._colours = {str(k): v for k, v in colours.items()}
    return choices_cls
