"""What the audit tests ask of the verifier and of manage.py verify_audit."""
import io

from django.core.management import call_command

from qingshan.audit.verify import verify_chain


def found() -> list[tuple[int, str]]:
    """The verifier's findings as (seq, kind)."""
    return [(f.seq, f.kind) for f in verify_chain()]


def run_command() -> tuple[int, str, str]:
    """manage.py verify_audit's exit code, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()
