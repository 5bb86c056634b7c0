"""Web pages of instruments (文书) and accountability (问责). Each view parses input, calls a selector or a service,
and renders."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from qingshan.access.actors import profile_of
from qingshan.access.instruments import (
    access_batch,
    access_document,
    access_instrument_file,
    may_see_internal,
    visible_accountability,
    visible_instruments,
)
from qingshan.access.problems import visible_problems
from qingshan.core.errors import NotFound, ServiceError
from qingshan.core.paging import BoundedPaginator
from qingshan.core.uploads import content_type_for

from . import kpis, selectors, services
from .choices import Form, Kind, State
from .forms import AccountabilityForm, ExposureBatchForm, InstrumentCreateForm
from .transitions import INSTRUMENT_ACTIONS

PAGE_SIZE = 30


def _instrument_or_404(user, pk):
    try:
        return selectors.instrument_detail(user=user, pk=pk)
    except NotFound as exc:
        raise Http404("未找到该文书，或您无权查看。") from exc


def _supervisor_only(request):
    if not profile_of(request.user).sees_internal:
        raise PermissionDenied("只有纪检监察机关的工作人员可以查看问责记录。")


def _no_store(response):
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def instrument_list_view(request):
    """文书台账: filters, figures linked to their lists, and batch generation for the issuing side."""
    queryset = selectors.instrument_list(user=request.user, params=request.GET)
    page = BoundedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    figures = kpis.instrument_figures(visible_instruments(request.user))
    return render(request, "instruments/list.html", {
        "nav": "instruments", "page": page, "querystring": params.urlencode(), "params": request.GET,
        "figures": [(code, label, figures[code]) for code, (_q, label) in kpis.CONDITIONS.items()],
        "kinds": Kind.choices, "states": State.choices, "today": timezone.localdate(),
        "can_draft": bool(profile_of(request.user).supervising),
        "kpi_label": kpis.CONDITIONS.get(request.GET.get("kpi", ""), (None, ""))[1],
    })


@login_required
def instrument_create_view(request):
    """起草文书."""
    if not profile_of(request.user).supervising:
        raise PermissionDenied("只有纪检监察机关的工作人员可以起草文书。")
    form = InstrumentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            instrument = services.instrument_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "文书草稿已保存。")
            return redirect("instruments:detail", pk=instrument.pk)
    return render(request, "instruments/create.html", {"nav": "instruments", "form": form})


@login_required
def instrument_detail_view(request, pk):
    """One instrument: facts, problems, reply, follow-ups, files, generated documents and the actions allowed now."""
    instrument = _instrument_or_404(request.user, pk)
    actions = services.allowed_actions(request.user, instrument)
    return render(request, "instruments/detail.html", {
        "nav": "instruments", "instrument": instrument,
        "actions": [(a, INSTRUMENT_ACTIONS[a].label) for a in actions],
        "problems": instrument.problems.all().order_by("number"),
        "files": instrument.files.select_related("uploaded_by"),
        "documents": instrument.documents.all()[:10],
        "follow_ups": instrument.follow_ups.select_related("recorded_by"),
        "notes": selectors.instrument_notes(user=request.user, instrument=instrument),
        "sees_internal": may_see_internal(request.user),
        "timeline": selectors.instrument_timeline(user=request.user, instrument=instrument),
        "today": timezone.localdate(),
    })


@login_required
def instrument_action_view(request, pk, action):
    """GET: the form of one action of the table (a fragment for htmx); POST: carry it out through its service."""
    rule = INSTRUMENT_ACTIONS.rules.get(action)
    if rule is None or rule.form is None:
        raise Http404("没有这个操作。")
    instrument = _instrument_or_404(request.user, pk)
    initial = services.draft_initial(instrument) if action == "edit" else None
    form = rule.form(*((request.POST, request.FILES) if request.method == "POST" else ()), actor=request.user,
                     initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = INSTRUMENT_ACTIONS.run(action, actor=request.user, target=instrument, data=form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            instrument.refresh_from_db()
            messages.success(request, f"已{rule.label}：{instrument.number or instrument.title}")
            if action == "generate":
                return redirect("instruments:batch", pk=result.pk)
            return redirect("instruments:detail", pk=instrument.pk)
    template = "instruments/_action_form.html" if request.htmx else "instruments/action.html"
    return render(request, template, {"nav": "instruments", "instrument": instrument, "form": form,
                                      "action": action, "action_label": rule.label},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def batch_generate_view(request):
    """批量生成文书: the chosen visible instruments in one background job."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    instruments = list(visible_instruments(request.user).filter(pk__in=ids).select_related("issuer"))
    try:
        if len(instruments) != len(set(ids)):
            raise ServiceError("所选文书中有您无权查看的记录。")
        batch = services.documents_request(actor=request.user, instruments=instruments)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("instruments:list")
    messages.success(request, f"已提交 {batch.total} 份文书的生成任务。")
    return redirect("instruments:batch", pk=batch.pk)


@login_required
def batch_view(request, pk):
    """A generation job's progress (the page polls while it runs) and, when done, its files."""
    try:
        batch = access_batch(request.user, pk)
    except NotFound as exc:
        raise Http404("未找到该生成任务。") from exc
    documents = []
    if batch.status == "done":
        documents = list(visible_instruments(request.user).filter(pk__in=batch.instrument_ids[:50])
                         .prefetch_related("documents"))
    return render(request, "instruments/batch.html", {"nav": "instruments", "batch": batch, "instruments": documents})


@login_required
def file_download_view(request, pk):
    """A reply or follow-up file, served after the access check; the download is logged."""
    try:
        stored = access_instrument_file(request.user, pk)
    except NotFound as exc:
        raise Http404("未找到该文件，或您无权查看。") from exc
    services.document_record_download(actor=request.user, instrument=stored.instrument, name=stored.original_name)
    return _no_store(FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.original_name,
                                  content_type=content_type_for(stored.original_name)))


@login_required
def document_download_view(request, pk):
    """A generated Word file, served after the access check; the download is logged."""
    try:
        document = access_document(request.user, pk)
    except NotFound as exc:
        raise Http404("未找到该文件，或您无权查看。") from exc
    services.document_record_download(actor=request.user, instrument=document.instrument,
                                      name=document.original_name)
    return _no_store(FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                                  content_type=content_type_for(document.original_name)))


# ---------------------------------------------------------------- accountability


@login_required
def accountability_list_view(request):
    """问责记录: the figures (人次 by form, each linked to its list) and the records."""
    _supervisor_only(request)
    queryset = selectors.accountability_list(user=request.user, params=request.GET)
    page = BoundedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "instruments/accountability_list.html", {
        "nav": "accountability", "page": page, "querystring": params.urlencode(), "params": request.GET,
        "figures": kpis.accountability_figures(visible_accountability(request.user)),
        "batches": selectors.exposure_batches(user=request.user)[:20], "forms": Form.choices,
        "can_record": bool(profile_of(request.user).supervising),
    })


@login_required
def accountability_create_view(request):
    """登记问责."""
    _supervisor_only(request)
    form = AccountabilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.accountability_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "问责记录已登记。")
            return redirect("instruments:accountability_detail", pk=record.pk)
    return render(request, "instruments/form_page.html", {"nav": "accountability", "form": form,
                                                          "heading": "登记问责"})


@login_required
def accountability_detail_view(request, pk):
    _supervisor_only(request)
    try:
        record = selectors.accountability_detail(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404("未找到该问责记录，或您无权查看。") from exc
    return render(request, "instruments/accountability_detail.html", {
        "nav": "accountability", "record": record, "persons": record.persons.all(),
        "organisations": record.organisations.all(), "partners": record.joint_partners.all(),
        "problems": visible_problems(request.user).filter(pk__in=record.problems.values("pk")),
        "instruments": visible_instruments(request.user).filter(
            pk__in=record.instruments.values("pk")),
        **selectors.accountability_links(user=request.user, record=record),
    })


@login_required
def exposure_batch_create_view(request):
    """通报曝光: a numbered batch of accountability records."""
    _supervisor_only(request)
    form = ExposureBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids = form.cleaned_data["record_ids"]
        records = list(selectors.accountability_list(user=request.user).filter(pk__in=ids))
        try:
            if len(records) != len(ids):
                raise ServiceError("所选问责记录中有不存在或您无权查看的记录。", field="record_ids")
            batch = services.exposure_batch_create(actor=request.user, title=form.cleaned_data["title"],
                                                   published_on=form.cleaned_data["published_on"], records=records)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已建立通报曝光批次：{batch}")
            return redirect(f"{reverse('instruments:accountability')}?batch={batch.pk}")
    return render(request, "instruments/form_page.html", {"nav": "accountability", "form": form,
                                                          "heading": "通报曝光"})
