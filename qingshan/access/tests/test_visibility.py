"""The visibility matrix (domain §2): each role against problems in different regions and units.

For every role: the list (visible_problems), the detail (access_problem), acting (capacity_for and a real service)
and the attachments (access_attachment) must agree with the expectations written out below.
"""
from types import SimpleNamespace

import pytest

from qingshan.access.problems import (
    access_attachment,
    access_problem,
    capacity_for,
    reveal_problem_reporter,
    visible_problems,
)
from qingshan.audit.models import AuditEvent
from qingshan.core.errors import NotFound, PermissionRefused, ServiceError
from qingshan.orgs.choices import OrgKind, Role
from qingshan.orgs.models import Membership, Organisation, User
from qingshan.problems import services
from qingshan.problems.choices import Action
from qingshan.problems.models import Problem, Reporter
from qingshan.problems.selectors import problem_timeline, reporter_for_display
from qingshan.problems.testing.flows import new_problem
from qingshan.problems.testing.world import WORLD_NOW, png

ALL = {"received", "city_eco", "lvshui_housing", "jiangan_urban", "shared", "restricted", "district_own",
       "group_own"}
NOT_RESTRICTED = ALL - {"restricted"}

# What each role sees. The scene (below): problems in the city and two districts, led by different units.
SEES = {
    "officer": ALL,  # the city commission's office: the whole city, and named on the restricted problem
    "office_head": ALL,  # named on the restricted problem
    "xinfang": NOT_RESTRICTED,
    "leader": NOT_RESTRICTED,  # even the commission leader does not see a restricted problem he is not named on
    "readonly": NOT_RESTRICTED,
    "group_staff": {"city_eco", "jiangan_urban", "group_own"},  # what concerns 市生态环境局, and its own
    "district_staff": {"lvshui_housing", "district_own"},  # 绿水区 only
    "eco_handler": {"city_eco", "jiangan_urban"},  # lead on one, co-unit on the other
    "eco_head": {"city_eco", "jiangan_urban"},
    "water_handler": {"city_eco", "shared"},
    "housing_handler": {"lvshui_housing"},
    "urban_handler": {"jiangan_urban"},
    "partner_staff": {"shared"},  # only what was transferred to it
    "outsider": set(),
}
# Where each role may act: as supervisor, as lead unit or as co-unit. Leaders, the partner and strangers only look.
ACTS_ON = {
    "officer": ALL,
    "office_head": ALL,
    "xinfang": NOT_RESTRICTED,
    "leader": set(),
    "readonly": set(),
    "group_staff": {"city_eco", "group_own"},  # supervises where its unit leads, not where it is only co-unit
    "district_staff": {"lvshui_housing", "district_own"},
    "eco_handler": {"city_eco", "jiangan_urban"},
    "eco_head": {"city_eco", "jiangan_urban"},
    "water_handler": {"city_eco", "shared"},
    "housing_handler": {"lvshui_housing"},
    "urban_handler": {"jiangan_urban"},
    "partner_staff": set(),
    "outsider": set(),
}
ROLES = list(SEES)
SUPERVISING_ROLES = {"officer", "office_head", "xinfang", "group_staff", "district_staff"}
UNIT_ROLES = {"eco_handler", "eco_head", "water_handler", "housing_handler", "urban_handler"}


@pytest.fixture(autouse=True)
def _fixed_day(time_machine):
    time_machine.move_to(WORLD_NOW, tick=False)


@pytest.fixture
def scene(world):
    w = world
    s = SimpleNamespace()

    def dispatch(problem, lead, co=()):
        return services.problem_dispatch(actor=w.officer, problem=problem, lead_unit=lead, co_units=co)

    s.received = new_problem(w, title="尚未交办")
    s.city_eco = dispatch(new_problem(w, title="市生态环境局主办", source=w.hotline, reporter_name="张三丰",
                                      reporter_phone="13812345678"), w.eco, [w.water])
    s.lvshui_housing = dispatch(new_problem(w, region=w.lvshui, title="绿水区住建局主办"), w.lvshui_housing)
    s.jiangan_urban = dispatch(new_problem(w, region=w.jiangan, title="江岸区城管局主办"), w.jiangan_urban, [w.eco])
    s.shared = dispatch(new_problem(w, title="移送攻坚办"), w.water)
    services.problem_share(actor=w.officer, problem=s.shared, partner=w.partner, reason="涉及多部门协作")
    s.restricted = dispatch(new_problem(w, title="限定知悉", restricted_to=[w.office_head]), w.eco)
    s.district_own = services.problem_create(actor=w.district_staff, title="区纪委登记", description="污水直排",
                                             source=w.inspection, category=w.water_pollution, region=w.lvshui)
    s.group_own = services.problem_create(actor=w.group_staff, title="派驻组登记", description="台账不实",
                                          source=w.inspection, category=w.water_pollution, region=w.city)
    s.problems = {name: getattr(s, name) for name in ALL}
    s.attachments = {name: services.attachment_add(actor=w.officer, problem=p, upload=png(f"{name}.png"))
                     for name, p in s.problems.items()}
    return s


def fresh(user) -> User:
    """The same person loaded anew (no cached profile), as at the start of a request."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_problems_in_list_detail_and_attachments(
        world, scene, role, assert_query_baseline):
    user = fresh(getattr(world, role))
    # The list: the memberships (two queries, cached for the request) and the list itself, never one per problem.
    with assert_query_baseline("visible problems"):
        titles = {p.title for p in visible_problems(user).select_related("lead_unit", "region")}
    assert titles == {scene.problems[name].title for name in SEES[role]}

    # The detail page and the attachment download: found when visible, otherwise NotFound, as for a missing id.
    for name, problem in scene.problems.items():
        attachment = scene.attachments[name]
        if name in SEES[role]:
            assert access_problem(user, problem.pk) == problem
            assert access_attachment(user, attachment.pk) == attachment
        else:
            with pytest.raises(NotFound):
                access_problem(user, problem.pk)
            with pytest.raises(NotFound):
                access_attachment(user, attachment.pk)
    for junk in (10**9, "abc", None):
        with pytest.raises(NotFound):
            access_problem(user, junk)
        with pytest.raises(NotFound):
            access_attachment(user, junk)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_acts_only_where_it_works(world, scene, role):
    user = getattr(world, role)
    acts = {name for name, problem in scene.problems.items() if capacity_for(user, problem).acting_org}
    assert acts == ACTS_ON[role]
    assert ACTS_ON[role] <= SEES[role]  # nobody acts on what they cannot see

    # A real service agrees: supervisors urge, unit people add a file; refused everywhere else, with no event.
    for name, problem in scene.problems.items():
        events = AuditEvent.objects.count()
        try:
            if role in UNIT_ROLES:
                services.attachment_add(actor=user, problem=problem, upload=png())
            else:
                services.problem_urge(actor=user, problem=problem, note="请加快办理")
        except ServiceError as refused:
            assert AuditEvent.objects.count() == events
            # Urging a problem not yet dispatched is refused by its state even to its supervisor.
            urge_on_received = role in SUPERVISING_ROLES and name in {"received", "district_own", "group_own"}
            assert name not in ACTS_ON[role] or urge_on_received, (name, refused.value.message)
        else:
            assert name in ACTS_ON[role], name
            assert AuditEvent.objects.count() == events + 1


def test_a_unit_guessing_another_units_ids_gets_not_found(world, scene):
    w = world
    foreign, its_file = scene.lvshui_housing, scene.attachments["lvshui_housing"]
    with pytest.raises(NotFound):
        access_problem(w.eco_handler, foreign.pk)
    with pytest.raises(NotFound):
        access_problem(w.eco_handler, str(foreign.pk))
    with pytest.raises(NotFound):
        access_attachment(w.eco_handler, its_file.pk)
    with pytest.raises(PermissionRefused):
        services.problem_sign(actor=w.eco_handler, problem=foreign)


def test_a_restricted_problem_is_seen_by_named_people_only(world, scene):
    w = world
    named = {u.username for u in scene.restricted.restricted_to.all()}
    assert named == {"officer", "office_head"}
    for role in ROLES:
        assert visible_problems(getattr(w, role)).filter(pk=scene.restricted.pk).exists() == (role in named), role
    # Naming the leader later lets him see it, and only then.
    services.problem_restrict(actor=w.officer, problem=scene.restricted, users=[w.office_head, w.leader],
                              reason="需领导知悉")
    assert access_problem(fresh(w.leader), scene.restricted.pk) == scene.restricted
    # Lifting the restriction gives the lead unit its problem back.
    services.problem_restrict(actor=w.officer, problem=scene.restricted, users=[], reason="解除限定")
    assert access_problem(w.eco_handler, scene.restricted.pk) == scene.restricted


def test_units_and_partners_never_see_internal_events(world, scene):
    w = world
    problem = scene.city_eco
    services.problem_sign(actor=w.eco_handler, problem=problem)
    services.problem_start(actor=w.eco_handler, problem=problem)
    services.problem_reply(actor=w.eco_handler, problem=problem, text="已整改。", files=[png()])
    services.problem_review(actor=w.officer, problem=problem, decision=Action.REJECT, comment="该单位一贯敷衍",
                            internal=True)
    reveal_problem_reporter(user=w.officer, problem=problem, reason="回访核实")
    internal = {Action.COMMENT, Action.REVEAL_REPORTER}
    for role in ("eco_handler", "eco_head", "water_handler"):
        timeline = problem_timeline(user=getattr(w, role), problem=problem)
        actions = set(timeline.values_list("action", flat=True))
        # The unit sees that its reply was sent back, but not the internal comment nor the reveal.
        assert actions == {Action.CREATE, Action.DISPATCH, Action.ATTACH, Action.SIGN, Action.START, Action.REPLY,
                           Action.REJECT}
        assert "该单位一贯敷衍" not in str(list(timeline.values_list("reason", "payload")))
    for role in ("officer", "leader", "readonly", "group_staff"):
        timeline = problem_timeline(user=getattr(w, role), problem=problem)
        assert internal <= set(timeline.values_list("action", flat=True)), role
        assert timeline.get(action=Action.COMMENT).reason == "该单位一贯敷衍"
    shared = scene.shared
    services.attachment_record_download(actor=w.officer, attachment=scene.attachments["shared"])
    actions = set(problem_timeline(user=w.partner_staff, problem=shared).values_list("action", flat=True))
    assert Action.DOWNLOAD not in actions and Action.SHARE in actions


def test_units_and_partners_never_see_the_reporter(world, scene):
    w = world
    problem = scene.city_eco
    services.problem_share(actor=w.officer, problem=problem, partner=w.partner, reason="协作核查")
    for role in ("eco_handler", "eco_head", "water_handler", "partner_staff"):
        assert reporter_for_display(user=getattr(w, role), problem=problem) is None, role
    for role in ("officer", "group_staff"):
        assert reporter_for_display(user=getattr(w, role), problem=problem)["phone"] == "13*******78"
    # The leader is told a reporter exists, masked, but may not reveal it.
    assert reporter_for_display(user=w.leader, problem=problem)["can_reveal"] is False


def test_a_person_in_two_stationed_groups_acts_for_the_group_of_the_lead_unit(world, scene,
                                                                             assert_query_baseline):
    w = world
    water_group = Organisation.objects.create(name="驻市水务局纪检监察组", kind=OrgKind.STATIONED_GROUP,
                                              region=w.city, parent=w.commission)
    water_group.supervised_units.add(w.water)
    both = User.objects.create_user(username="two_groups", full_name="两组兼职")
    Membership.objects.create(user=both, organisation=w.group, role=Role.GROUP_STAFF)
    Membership.objects.create(user=both, organisation=water_group, role=Role.GROUP_STAFF)
    assert capacity_for(both, scene.city_eco).supervisor_org == w.group
    with assert_query_baseline("capacity from the profile"):  # the groups' units come with the profile (0)
        assert capacity_for(both, scene.shared).supervisor_org == water_group
    services.problem_urge(actor=both, problem=scene.shared, note="请加快办理")
    assert AuditEvent.objects.filter(object_id=scene.shared.pk).latest("seq").actor_org == water_group


def test_a_reporter_stored_under_the_old_masking_rule_is_still_masked_on_display(world, scene):
    # Before issue 9 a 7-digit phone was "masked" to itself and a one-character name was kept.
    Reporter.objects.filter(problem=scene.city_eco).update(name_masked="张", phone_masked="8123456")
    shown = reporter_for_display(user=world.readonly, problem=Problem.objects.get(pk=scene.city_eco.pk))
    assert shown["name"] == "*" and shown["phone"] == "8*****6" and shown["can_reveal"] is False
