"""Every catalogue model ships its explanation (issue 10): a model an inspector cannot read about is not shipped."""
from qingshan.datacheck.catalogue import catalogue_models
from qingshan.datacheck.catalogue.explain import load_explanations


def test_every_catalogue_model_has_an_explanation_and_no_explanation_is_orphaned():
    codes = {m.code for m in catalogue_models()}
    explained = load_explanations(known=codes)
    assert set(explained) == codes, f"没有说明的模型：{sorted(codes - set(explained))}"
    for code, explanation in explained.items():
        assert explanation.finds and explanation.does_not_find and explanation.basis, code
