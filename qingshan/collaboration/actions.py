"""Services of collaboration that perform another app's actions (core.actions, contract `actions`): the work
loop's 移送协作单位 is sent as a partner transfer (partners.problem_share_transfer)."""
from . import partners  # noqa: F401  # registers on import
