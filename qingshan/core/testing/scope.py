"""The role × object × surface visibility matrix: one parametrised test per cell.

An app's test subclasses `ScopeMatrix`, names its roles and objects, says for each role which objects it may see,
provides a `scene` fixture (a small world with the objects) and one `see_<surface>(client, scene, obj, user)` method
per surface (page, api, file, export, reminder, ...) that answers "does the client, logged in as `user`, see this
object there?". The base generates `test_scope[<role>-<object>-<surface>]` for every cell: a role that must not see
an object gets "not found" / absent from the list / absent from the export rows / no reminder, and a role that may
sees it.

    class TestProblemScope(ScopeMatrix):
        objects = ("plain", "restricted")
        sees = {"officer": {"plain", "restricted"}, "leader": {"plain"}}
        surfaces = ("page", "api")

        @pytest.fixture
        def scene(self, world): ...

        def see_page(self, client, scene, obj, user):
            return found(client.get(reverse("problems:detail", args=[scene.objects[obj].pk])))

A positive cell keeps each negative cell honest: the same check has to find the object for the roles that see it.
"""
import io
from collections.abc import Iterable


class ScopeMatrix:
    """Base of an app's visibility matrix (see the module docstring)."""

    objects: tuple[str, ...] = ()
    sees: dict[str, set[str]] = {}  # role -> the objects it may see; its keys are the roles
    surfaces: tuple[str, ...] = ()

    def expect(self, role: str, obj: str, surface: str) -> bool | None:
        """Whether `role` sees `obj` on `surface`; None leaves the cell out (the surface does not apply)."""
        return obj in self.sees[role]

    def user(self, scene, role: str):
        """The user playing `role` in the scene (by default the scene's attribute of that name)."""
        return getattr(scene, role)

    def log_in(self, client, user):
        """Log the test client in as `user` (override for token-authenticated surfaces)."""
        client.force_login(user)
        return client

    def pytest_generate_tests(self, metafunc):
        if metafunc.function.__name__ != "test_scope":
            return
        cells = [(role, obj, surface) for role in self.sees for obj in self.objects for surface in self.surfaces
                 if self.expect(role, obj, surface) is not None]
        metafunc.parametrize(("role", "obj", "surface"), cells, ids=["-".join(cell) for cell in cells])

    def test_scope(self, client, scene, role, obj, surface):
        expected = self.expect(role, obj, surface)
        user = self.user(scene, role)
        seen = getattr(self, f"see_{surface}")(self.log_in(client, user), scene, obj, user)
        assert seen == expected, f"{role} {'should see' if expected else 'must not see'} {obj} on the {surface}"


def found(response, *, hidden: Iterable[int] = (404,), ok: Iterable[int] = (200,)) -> bool:
    """True for a 200 (or another of `ok`), False for a "not found" (or another of `hidden`); anything else is an
    error of the test (a 500 is never a way of hiding something)."""
    if response.status_code in ok:
        return True
    assert response.status_code in hidden, f"unexpected status {response.status_code}"
    return False


def body(response) -> str:
    """The text of a page or API answer that must have succeeded (a list is shown even when it hides a row)."""
    assert response.status_code == 200, f"unexpected status {response.status_code}"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def shows(response, *texts: str) -> bool:
    """Whether a successful page shows any of `texts` (an object hidden from it shows none of them)."""
    page = body(response)
    return any(text in page for text in texts)


def xlsx_rows(response) -> list[tuple]:
    """The rows of an Excel export (streamed or not), header included."""
    from openpyxl import load_workbook

    assert response.status_code == 200, f"unexpected status {response.status_code}"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def in_rows(rows: list[tuple], *texts: str) -> bool:
    """Whether any cell of the export rows holds (or contains) any of `texts`."""
    return any(text in str(cell) for row in rows for cell in row if cell is not None for text in texts)

