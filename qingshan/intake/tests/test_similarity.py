"""Duplicate detection on hand-labelled Chinese pairs: precision and recall at the default threshold."""
from django.conf import settings

from qingshan.intake.similarity import Report, compare, is_duplicate, keywords

from .dedup_pairs import PAIRS, place


def _report(category, text, location, offset) -> Report:
    lat, lng = place(offset)
    return Report(text=text, category=category, location=location, lat=lat, lng=lng)


def test_keywords_keep_what_names_the_problem():
    words = keywords("群众反映：青山河下游排污口夜间偷排，河水发黑发臭，希望尽快处理。")
    assert "排污口" in words and "偷排" in words
    assert not {"群众", "反映", "希望", "尽快", "处理", "，", "。"} & set(words)


def test_precision_and_recall_on_the_labelled_pairs():
    tp = fp = fn = tn = 0
    wrong = []
    for a_cat, a_text, a_loc, a_off, b_cat, b_text, b_loc, b_off, same in PAIRS:
        a, b = _report(a_cat, a_text, a_loc, a_off), _report(b_cat, b_text, b_loc, b_off)
        predicted = is_duplicate(b, a)
        tp += predicted and same
        fp += predicted and not same
        fn += (not predicted) and same
        tn += (not predicted) and not same
        if predicted != same:
            wrong.append((round(compare(b, a).score, 2), same, a_text, b_text))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn)
    print(f"\n去重（阈值 {settings.INTAKE_DEDUP_THRESHOLD}）：{len(PAIRS)} 对，"
          f"精确率 {precision:.2f}，召回率 {recall:.2f}；判错 {len(wrong)} 对：{wrong}")
    assert precision >= 0.9
    assert recall >= 0.7  # below this the officer re-reads everything by hand again
